"""The SAM transform of a template read from standard input, written to standard output as JSON.

Runs under the tools' environment (``.venv-tools``), where the SAM translator
lives beside the SAM CLI: the translator pins a pydantic the desk's own
environment does not use. ``infra.iam`` calls it as a subprocess.
"""

from __future__ import annotations

import json
import sys

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator


def main() -> None:
    request = json.load(sys.stdin)
    session = boto3.session.Session(region_name=request["region"], aws_access_key_id="x", aws_secret_access_key="x")
    translator = Translator(None, Parser(), boto_session=session)
    # The template names no managed policy by name, so no IAM lookup is made.
    output = translator.translate(request["template"], parameter_values=request["pseudo"],
                                  get_managed_policy_map=dict)
    json.dump(output, sys.stdout)


if __name__ == "__main__":
    main()
