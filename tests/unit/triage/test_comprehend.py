import boto3
import pytest
from botocore.stub import Stubber

from complaints.adapters.comprehend import ComprehendClassifier
from complaints.core.policy import load_policy
from complaints.triage.classifier import text_classifier

ENDPOINT = "arn:aws:comprehend:us-east-1:123456789012:document-classifier-endpoint/complaints"
keywords = text_classifier(load_policy("telecom"))


@pytest.fixture
def stubbed() -> tuple[ComprehendClassifier, Stubber]:
    client = boto3.client("comprehend", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return ComprehendClassifier(ENDPOINT, keywords, keywords.policy.categories, client=client), Stubber(client)


def test_a_confident_comprehend_answer_decides_the_category(stubbed: tuple[ComprehendClassifier, Stubber]) -> None:
    classifier, stub = stubbed
    stub.add_response("classify_document", {"Classes": [{"Name": "equipment.fault", "Score": 0.91},
                                                        {"Name": "network.coverage", "Score": 0.07}]})
    with stub:
        result = classifier.classify("附近都没信号了", service=None, channel="hotline", vip=False)
    assert result.category == "equipment.fault" and result.department == "maintenance"
    assert result.confidence == 0.91


def test_an_unsure_or_failing_comprehend_falls_back_to_keywords(stubbed: tuple[ComprehendClassifier, Stubber]) -> None:
    classifier, stub = stubbed
    stub.add_response("classify_document", {"Classes": [{"Name": "network.data", "Score": 0.3}]})
    stub.add_client_error("classify_document", service_error_code="ThrottlingException")
    with stub:
        unsure = classifier.classify("家里信号弱", service=None, channel="hotline", vip=False)
        failing = classifier.classify("家里信号弱", service=None, channel="hotline", vip=False)
    assert unsure.category == failing.category == "network.coverage"
