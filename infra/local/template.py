"""Read template.yaml as CloudFormation does: short-form tags and intrinsic functions.

Only what this project's template uses is resolved: Ref, Fn::Sub, Fn::GetAtt,
Fn::If with Fn::Equals and Fn::Not conditions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

_SHORT_TAGS = ("Ref", "Condition")


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in _SHORT_TAGS else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct)


# What a table's resource says that DynamoDB's CreateTable takes (the rest is for CloudFormation).
TABLE_ARGUMENTS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode")


def table_arguments(properties: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable arguments in a table's properties: its keys, indexes and billing."""
    return {k: properties[k] for k in TABLE_ARGUMENTS if k in properties}


def create_table(client: Any, name: str, properties: dict[str, Any]) -> None:
    """Create a table from its resolved AWS::DynamoDB::Table properties: keys, indexes and TTL."""
    client.create_table(TableName=name, **table_arguments(properties))
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


class Resolver:
    """Evaluates intrinsic functions against the local stack's names and ARNs."""

    def __init__(self, template: dict[str, Any], pseudo: dict[str, str],
                 ref: Callable[[str], str], get_att: Callable[[str, str], str]) -> None:
        self.template = template
        self.pseudo = pseudo
        self._ref = ref
        self._get_att = get_att
        self.parameters = {name: str(spec.get("Default", ""))
                           for name, spec in template.get("Parameters", {}).items()}

    @property
    def ref_resource(self) -> Callable[[str], str]:
        """How a resource's Ref resolves (pseudo parameters and parameters aside)."""
        return self._ref

    @property
    def get_att(self) -> Callable[[str, str], str]:
        return self._get_att

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self._ref(name)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if v != {"Ref": "AWS::NoValue"}]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self._get_att(arg[0], arg[1])
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Condition":
                return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: str | list[Any]) -> str:
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(extra[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self._get_att(resource, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)
