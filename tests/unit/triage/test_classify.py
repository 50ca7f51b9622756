import pytest

from bench.eval_classifier import SETS, accuracy, evaluate, load, report
from complaints.core.enums import Channel, Nature, Priority, Service
from complaints.core.policy import load_policy
from complaints.triage.classifier import classify

policy = load_policy("telecom")


def run(text: str, service: Service | None = None, channel: Channel = Channel.HOTLINE, vip: bool = False,
        repeat: bool = False):  # noqa: ANN201 - the model type reads better at the call sites
    return classify(text, service=service, channel=channel, vip=vip, policy=policy, repeat=repeat)


@pytest.mark.parametrize("text, service, category", [
    ("我家里信号弱，打电话经常掉话", Service.MOBILE_VOICE, "network.coverage"),
    ("家里宽带每天晚上断网，光猫灯一直闪", Service.BROADBAND, "broadband.network"),
    ("没有订购任何业务却被乱扣费，要求退费", None, "billing.unauthorized_charge"),
    ("The hall agent was rude to me", Service.SERVICE, "service.attitude"),
    ("手机上不了网，网速慢", Service.MOBILE_DATA, "network.data"),
])
def test_category_from_text(text: str, service: Service | None, category: str) -> None:
    result = run(text, service)
    assert result.category == category and result.nature is Nature.VALID
    assert result.evidence and result.department == policy.categories[category].department


def test_a_negated_phrase_does_not_count() -> None:
    assert run("不是信号问题，信号是满的，就是打不出电话").category == "network.access"
    assert run("账单没有问题，就是手机网速太慢").category == "network.data"
    assert run("The signal is fine, it is the broadband at home that keeps dropping").category == "broadband.network"


def test_a_typo_in_a_long_phrase_still_matches() -> None:
    result = run("小区旁边的基站故偐好几天了")  # 基站故障 with one wrong character
    assert result.category == "equipment.fault"


def test_mixed_chinese_and_english() -> None:
    assert run("我的5G signal很弱，经常只有一格").category == "network.coverage"


def test_an_inquiry_without_a_fault_is_communicative_and_low_priority() -> None:
    result = run("请问怎么办理携号转网？")
    assert result.category == "other" and result.nature is Nature.INQUIRY and result.priority is Priority.LOW
    assert not result.needs_triage


def test_an_unclear_fault_goes_to_triage_instead_of_a_guess() -> None:
    result = run("你们这个东西又不能用了，赶紧处理")
    assert result.needs_triage and result.department == policy.triage.department


@pytest.mark.parametrize("channel, vip, text, repeat, priority", [
    (Channel.HOTLINE, False, "信号弱", False, Priority.NORMAL),
    (Channel.HOTLINE, True, "信号弱", False, Priority.HIGH),
    (Channel.HOTLINE, False, "信号弱", True, Priority.HIGH),
    (Channel.REGULATOR, False, "信号弱", False, Priority.HIGH),
    (Channel.HOTLINE, False, "修路把光缆挖断了，整个村都没网", False, Priority.HIGH),
    (Channel.CONSUMER_HOTLINE, False, "乱扣费，我要找媒体曝光", False, Priority.URGENT),
    (Channel.APP, False, "紧急情况无法拨打电话", False, Priority.URGENT),
])
def test_priority_signals(channel: Channel, vip: bool, text: str, repeat: bool, priority: Priority) -> None:
    assert run(text, channel=channel, vip=vip, repeat=repeat).priority is priority


def test_accuracy_over_the_labelled_set() -> None:
    outcomes = {name: evaluate(load(file)) for name, file in SETS.items()}
    print("\n" + report(outcomes))
    everything = [o for group in outcomes.values() for o in group]
    category, nature = accuracy(everything)
    assert len(everything) >= 300
    assert category >= 0.90 and nature >= 0.85
    held_out_category, _ = accuracy(outcomes["held-out"])
    assert held_out_category >= 0.85  # phrases were never tuned against the held-out set
