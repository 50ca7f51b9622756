"""Partition indexes for moto's tables: a query reads its partition, as DynamoDB's does, not the whole table.

moto answers a query on a global secondary index by walking every item of the
table, so each query costs more as the table grows. The local stack turns on
the patch `indexed_gsi_queries` (infra.local.moto_patches), which keeps here, per
table and index, the items of each index partition sorted by the index's range
key, and hands moto's own query only that partition's items: moto still
applies the key conditions, order, paging, projection and filters, so answers
stay moto's.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sortedcontainers import SortedList

Slot = tuple[str, Any]  # (index name, hash key value)
Entry = tuple[str, str]  # (range key value as text, item key name)
Key = tuple[Any, Any]  # the item's (hash, range) key in the table


class PartitionIndex:
    """For one table: each global index's partitions, their items sorted by the index's range key."""

    def __init__(self, table: Any) -> None:
        self.key_attributes: dict[str, tuple[str, str | None]] = {}
        for index in table.global_indexes:
            hash_attr = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            range_attr = next((k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"), None)
            self.key_attributes[index.name] = (hash_attr, range_attr)
        self.partitions: dict[Slot, SortedList] = {}
        self.placed: dict[Key, list[tuple[Slot, Entry]]] = {}
        self.keys: dict[str, Key] = {}
        self.lock = threading.RLock()
        for item in table.all_items():
            self.place(item)

    def remove(self, key: Key) -> None:
        for slot, entry in self.placed.pop(key, []):
            partition = self.partitions.get(slot)
            if partition is not None:
                partition.discard(entry)

    def place(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        self.remove(key)
        name = repr(key)
        self.keys[name] = key
        placed = []
        for index_name, (hash_attr, range_attr) in self.key_attributes.items():
            # DynamoDB puts an item in an index only when it carries all of the index's key attributes.
            if hash_attr not in item.attrs or (range_attr and range_attr not in item.attrs):
                continue
            slot = (index_name, item.attrs[hash_attr])
            entry = (str(item.attrs[range_attr].value) if range_attr else "", name)
            self.partitions.setdefault(slot, SortedList()).add(entry)
            placed.append((slot, entry))
        self.placed[key] = placed

    def keys_in(self, slot: Slot, comparison: str | None, values: list[Any]) -> list[Key]:
        """The partition's keys, narrowed by the range condition where it is an upper bound on a string."""
        partition = self.partitions.get(slot)
        if partition is None:
            return []
        if comparison in ("<=", "<") and values and values[0].type == "S":
            bound = str(values[0].value)
            entries = partition.irange(maximum=(bound, "\uffff") if comparison == "<=" else (bound, ""),
                                       inclusive=(True, comparison == "<="))
        else:
            entries = iter(partition)
        return [self.keys[name] for _, name in entries]


_indexes: weakref.WeakKeyDictionary[Any, PartitionIndex] = weakref.WeakKeyDictionary()
_active = False


def enable() -> None:
    global _active
    _active = True


def disable() -> None:
    global _active
    _active = False
    _indexes.clear()


def partition_index(table: Any) -> PartitionIndex:
    index = _indexes.get(table)
    if index is None:
        index = _indexes[table] = PartitionIndex(table)
    return index


def restored(table: Any, hash_value: Any, range_value: Any) -> None:
    """An item was put back in place without moto's write methods (a transaction's rollback): index it again."""
    if not _active:
        return
    index = partition_index(table)
    with index.lock:
        item = table.get_item(hash_value, range_value)
        if item is None:
            index.remove((hash_value, range_value))
        else:
            index.place(item)


def replacements(table_class: Any, backend_class: Any,
                 serialised: Callable[[Callable[..., Any]], Callable[..., Any]]) -> list[tuple[Any, str, Any]]:
    """The methods of moto's Table and DynamoDBBackend that keep the indexes and read through them."""
    original_put, original_delete = vars(table_class)["put_item"], vars(table_class)["delete_item"]
    original_query, original_update = vars(table_class)["query"], vars(backend_class)["update_item"]
    query_signature = inspect.signature(original_query)

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        index = partition_index(self)
        with index.lock:
            index.place(item)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        index = partition_index(self)
        with index.lock:
            index.remove((hash_key, range_key))
        return item

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        from moto.dynamodb.models.dynamo_type import DynamoType

        result = original_update(self, table_name, key, *args, **kwargs)
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hash_value, range_value)
        if item is not None:
            index = partition_index(table)
            with index.lock:
                index.place(item)
        return result

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = query_signature.bind(self, *args, **kwargs).arguments
        index_name = bound.get("index_name")
        conditions = bound.get("hash_key_conditions") or []
        index = partition_index(self)
        with index.lock:
            if not index_name:
                # A query on the table itself reads one partition too.
                partition = self.items.get(bound.get("hash_key")) if self.range_key_attr else None
                if partition is None:
                    return original_query(self, *args, **kwargs)
                candidates = list(partition.values())
            elif index_name in index.key_attributes and len(conditions) == 1 \
                    and conditions[0][0] == index.key_attributes[index_name][0]:
                ranges = bound.get("range_key_conditions") or []
                comparison, values = (ranges[0][1], ranges[0][2]) if len(ranges) == 1 else (None, [])
                keys = index.keys_in((index_name, conditions[0][1]), comparison, values)
                candidates = [item for h, r in keys if (item := self.get_item(h, r)) is not None]
            else:  # a local index, or conditions the partition index does not know: moto's own walk
                return original_query(self, *args, **kwargs)
            self.all_items = lambda: candidates
            try:
                return original_query(self, *args, **kwargs)
            finally:
                del self.all_items

    return [(table_class, "put_item", put_item), (table_class, "delete_item", delete_item),
            (table_class, "query", query), (backend_class, "update_item", serialised(update_item))]
