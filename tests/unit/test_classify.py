import pytest

from complaints.classify import classify
from complaints.models import Channel, Nature, Priority, Service
from complaints.policy import load_policy

policy = load_policy("telecom")


@pytest.mark.parametrize("text, service, category", [
    ("我家里信号弱，打电话经常掉话", Service.MOBILE_VOICE, "network.coverage"),
    ("家里宽带每天晚上断网，光猫灯一直闪", Service.BROADBAND, "broadband.network"),
    ("没有订购任何业务却被乱扣费，要求退费", None, "billing.unauthorized_charge"),
    ("The hall agent was rude to me", Service.SERVICE, "service.attitude"),
    ("手机上不了网，网速慢", Service.MOBILE_DATA, "network.data"),
])
def test_category_from_text(text: str, service: Service | None, category: str) -> None:
    result = classify(text, service=service, channel=Channel.HOTLINE, vip=False, policy=policy)
    assert result.category == category
    assert result.nature is Nature.VALID
    assert result.evidence


def test_inquiry_without_a_fault_is_communicative() -> None:
    result = classify("请问怎么办理携号转网？", service=None, channel=Channel.WEB, vip=False, policy=policy)
    assert result.category == "other" and result.nature is Nature.INQUIRY and result.confidence == 0.0


@pytest.mark.parametrize("channel, vip, text, priority", [
    (Channel.HOTLINE, False, "信号弱", Priority.NORMAL),
    (Channel.HOTLINE, True, "信号弱", Priority.HIGH),
    (Channel.REGULATOR, False, "信号弱", Priority.HIGH),
    (Channel.CONSUMER_HOTLINE, False, "乱扣费，我要找媒体曝光", Priority.URGENT),
    (Channel.APP, False, "紧急情况无法拨打电话", Priority.URGENT),
])
def test_priority_signals(channel: Channel, vip: bool, text: str, priority: Priority) -> None:
    assert classify(text, service=None, channel=channel, vip=vip, policy=policy).priority is priority
