import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.eval_classifier import accuracy, evaluate, load, report, rules_alone
from bench.train_classifier import (
    HELD_OUT,
    TRAINING,
    Row,
    digest,
    far_from,
    inputs,
    load_rows,
    rule_trust,
    training_files,
)
from complaints.core.enums import Nature, Priority
from complaints.core.policy import POLICY_DIR, load_policy
from complaints.core.values import Channel, Service
from complaints.triage.classifier import classify, combine, text_classifier
from complaints.triage.linear_model import LinearModel, ModelFileError, PackedWeights, TrainedModels

policy = load_policy("telecom")


def run(text: str, service: Service | None = None, channel: Channel = "hotline", vip: bool = False,
        repeat: bool = False):  # noqa: ANN201 - the model type reads better at the call sites
    return classify(text, service=service, channel=channel, vip=vip, policy=policy, repeat=repeat)


@pytest.mark.parametrize("text, service, category", [
    ("我家里信号弱，打电话经常掉话", "mobile_voice", "network.coverage"),
    ("家里宽带每天晚上断网，光猫灯一直闪", "broadband", "broadband.network"),
    ("没有订购任何业务却被乱扣费，要求退费", None, "billing.unauthorized_charge"),
    ("The hall agent was rude to me", "service", "service.attitude"),
    ("手机上不了网，网速慢", "mobile_data", "network.data"),
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
    ("hotline", False, "信号弱", False, Priority.NORMAL),
    ("hotline", True, "信号弱", False, Priority.HIGH),
    ("hotline", False, "信号弱", True, Priority.HIGH),
    ("regulator", False, "信号弱", False, Priority.HIGH),
    ("hotline", False, "修路把光缆挖断了，整个村都没网", False, Priority.HIGH),
    ("consumer_hotline", False, "乱扣费，我要找媒体曝光", False, Priority.URGENT),
    ("app", False, "紧急情况无法拨打电话", False, Priority.URGENT),
])
def test_priority_signals(channel: Channel, vip: bool, text: str, repeat: bool, priority: Priority) -> None:
    assert run(text, channel=channel, vip=vip, repeat=repeat).priority is priority


@pytest.mark.parametrize("profile", ["telecom", "property", "hospital"])
def test_accuracy_on_the_sets_held_out_from_training_and_tuning(profile: str) -> None:
    classifier = text_classifier(load_policy(profile))
    outcomes = {name: evaluate(load(file), classifier) for name, file in HELD_OUT[profile].items()}
    print("\n" + report(outcomes))
    for name, group in outcomes.items():
        for language in ("zh", "en"):
            category, nature = accuracy([o for o in group if o.language == language])
            floor = FLOORS[profile][name]
            assert category >= floor[0] and nature >= floor[1], (profile, name, language, category, nature)


# What each set scored when the models were last trained, in its weaker language, rounded down to a multiple of 5%
# (and 5% lower again where that left less than two points): a retrained model or a changed phrase list that loses
# ground on text it never saw fails here. These guard against regressions; they are not the goal (90% category,
# 85% nature in each language), which each desk's held-out sets reach together and, set by set, several property
# and hospital sets, the English category of telecom's held-out set and ninth writer and the English nature of its
# thirteenth writer do not. The floors are with each profile's English encoder, which asks nothing of any Chinese
# complaint.
FLOORS = {
    "telecom": {"held-out": (0.80, 0.85), "unseen": (0.90, 0.90), "independent": (0.95, 0.90),
                "independent 2": (0.95, 0.90), "independent 3": (0.90, 0.90), "independent 4": (0.90, 0.95),
                "independent 5": (0.90, 0.90), "independent 6": (0.90, 0.90), "independent 7": (0.90, 0.80),
                "independent 8": (0.85, 0.90), "independent 9": (0.90, 0.85), "independent 10": (0.90, 0.90),
                "independent 11": (0.85, 0.90), "independent 12": (0.85, 0.80), "independent 13": (0.85, 0.85),
                "independent 14": (0.85, 0.90), "independent 15": (0.85, 0.85), "independent 16": (0.90, 0.85),
                "independent 17": (0.90, 0.80),
                "independent 18": (0.95, 0.90)},
    "property": {"held-out": (0.90, 0.85), "held-out 2": (0.80, 0.80), "held-out 3": (0.85, 0.80),
                 "held-out 4": (0.85, 0.85), "held-out 5": (0.85, 0.95), "held-out 6": (0.90, 0.90),
                 "held-out 7": (0.85, 0.90), "held-out 8": (0.90, 0.85), "held-out 9": (0.85, 0.90),
                 "held-out 10": (0.90, 0.90), "held-out 11": (0.90, 0.80), "held-out 12": (0.85, 0.85),
                 "held-out 13": (0.85, 0.90), "held-out 14": (0.90, 0.90), "held-out 15": (0.90, 0.90),
                 "held-out 16": (0.90, 0.90), "held-out 17": (0.85, 0.85), "held-out 18": (0.75, 0.85),
                 "held-out 19": (0.80, 0.90), "held-out 20": (0.85, 0.85), "held-out 21": (0.85, 0.75)},
    "hospital": {"held-out": (0.80, 0.75), "held-out 2": (0.80, 0.80), "held-out 3": (0.85, 0.85),
                 "held-out 4": (0.85, 0.90), "held-out 5": (0.85, 0.90), "held-out 6": (0.85, 0.80),
                 "held-out 7": (0.85, 0.80), "held-out 8": (0.90, 0.80), "held-out 9": (0.85, 0.90),
                 "held-out 10": (0.90, 0.90), "held-out 11": (0.85, 0.75), "held-out 12": (0.85, 0.80),
                 "held-out 13": (0.85, 0.85), "held-out 14": (0.85, 0.80), "held-out 15": (0.85, 0.85),
                 "held-out 16": (0.80, 0.90), "held-out 17": (0.85, 0.90), "held-out 18": (0.90, 0.85),
                 "held-out 19": (0.90, 0.90), "held-out 20": (0.85, 0.85), "held-out 21": (0.80, 0.85),
                 "held-out 22": (0.80, 0.90), "held-out 23": (0.80, 0.90), "held-out 24": (0.90, 0.90),
                 "held-out 25": (0.85, 0.90), "held-out 26": (0.80, 0.90), "held-out 27": (0.85, 0.90),
                 "held-out 28": (0.85, 0.90)},
}


@pytest.mark.parametrize("text, category", [
    ("My set-top box keeps rebooting in the middle of every film", "broadband.business"),
    ("You promised to call me back on Monday and nobody ever did", "service.slow_response"),
    ("I've been transferred from department to department and nobody helps", "service.passing_around"),
    ("The agent I called about my slow internet was rude and hung up on me", "service.attitude"),
    ("A construction crew cut the cable and our whole street is offline", "sudden_event"),
])
def test_plain_english_finds_its_category(text: str, category: str) -> None:
    assert run(text).category == category


@pytest.mark.parametrize("text, nature", [
    ("请问账单上这笔费用是什么？", Nature.INQUIRY),
    ("What is this fee on my bill?", Nature.INQUIRY),
    ("Could you help me set up the router for my dad? He can't work it out", Nature.HELP_SEEKING),
    ("那个客服什么态度！气死我了，你们就招这种人？", Nature.VENTING),
    ("家里宽带断了三天，报修两次都没人来，要求尽快处理", Nature.VALID),
])
def test_nature_follows_what_the_customer_does(text: str, nature: Nature) -> None:
    assert run(text).nature is nature


def test_the_explanation_shows_rule_evidence_and_the_models_features() -> None:
    reasons = text_classifier(policy).explain("家里宽带每天晚上掉线，光猫灯一直闪")
    assert reasons["category"] == "broadband.network"
    assert "光猫" in reasons["rules"]["evidence"]["broadband.network"]
    assert reasons["model"]["category_features"] and all(w > 0 for _, w in reasons["model"]["category_features"])
    assert reasons["model"]["nature_features"]


def test_the_model_alone_gives_the_agent_readable_evidence() -> None:
    text = "The set-top box reboots itself every evening"
    result = run(text)
    # words and word pairs of the text as the classifier reads it ("set-top" reads as "set top")
    words = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    assert result.evidence and all(word in words for word in result.evidence)


def test_the_command_line_explains_a_classification() -> None:
    from typer.testing import CliRunner

    from infra.cli.main import app

    answer = CliRunner().invoke(app, ["classify", "My set-top box keeps rebooting", "--explain", "--json"])
    assert answer.exit_code == 0, answer.output
    reasons = json.loads(answer.output)
    assert reasons["category"] == "broadband.business"
    assert "box" in [word for word, _ in reasons["model"]["category_features"]]


def test_a_profile_without_a_model_is_classified_by_its_phrases_alone() -> None:
    alone = rules_alone(policy)
    assert alone.models is None
    assert alone.decide("我家里信号弱，打电话经常掉话", None).category == "network.coverage"
    assert alone.decide("请问怎么办理携号转网？", None).nature is Nature.INQUIRY


def test_the_shipped_model_was_trained_on_the_current_labelled_complaints() -> None:
    models = text_classifier(policy).models
    assert models is not None
    assert dict(models.trained_on) == digest(inputs("telecom")), "the labelled data changed: run `make model`"


def test_no_training_complaint_is_a_paraphrase_of_a_held_out_one() -> None:
    held_out = list(HELD_OUT["telecom"].values())
    assert not set(training_files("telecom")) & set(held_out)
    kept, dropped = far_from(load_rows(training_files("telecom")), held_out)
    assert dropped and kept
    # a held-out complaint itself, or one word changed in it, is the closest paraphrase there is
    copy = load_rows([held_out[-1]])[0]
    assert far_from([copy, copy.__class__(copy.text.replace("。", "，") + "!", copy.category, copy.nature, "x")],
                    held_out)[0] == []


def test_a_model_file_for_other_features_is_refused(tmp_path: Path) -> None:
    shipped = json.loads((POLICY_DIR / "telecom.model.json").read_text(encoding="utf-8"))
    (tmp_path / "old.model.json").write_text(json.dumps({**shipped, "features_version": 0}), encoding="utf-8")
    with pytest.raises(ModelFileError, match="make model"):
        TrainedModels.load(tmp_path / "old.model.json")
    with pytest.raises(ModelFileError, match="cannot read"):
        TrainedModels.load(tmp_path / "missing.model.json")


def test_rules_weak_on_a_category_do_not_outvote_a_sure_model() -> None:
    model, ruled = {"network.data": 0.7, "service.attitude": 0.3}, {"network.data": 0.0, "service.attitude": 1.0}
    trusted = combine(model, ruled, 0.6, {})
    assert max(trusted, key=lambda c: trusted[c]) == "service.attitude"
    # the rules' favourite was right three times in ten in cross-validation: the model's answer stands
    doubted = combine(model, ruled, 0.6, {"service.attitude": 0.3})
    assert max(doubted, key=lambda c: doubted[c]) == "network.data"
    assert sum(doubted.values()) == pytest.approx(1.0)


def test_the_rules_trust_is_their_cross_validated_precision_per_category() -> None:
    def row(category: str) -> Row:
        return Row("text", category, "valid", "x")

    sure, unsure = {"a": 0.9, "b": 0.1}, {"a": 0.2, "b": 0.8}
    trust = rule_trust([(sure, row("a"))] * 8 + [(unsure, row("a"))] * 4)
    assert trust == {"a": 0.9, "b": round(1 / 6, 3)}  # 8 of 8 and 0 of 4, each with one right and one wrong added


def test_a_model_file_without_rule_trust_trusts_the_rules_alike(tmp_path: Path) -> None:
    shipped = json.loads((POLICY_DIR / "telecom.model.json").read_text(encoding="utf-8"))
    shipped.pop("rule_trust", None)
    (tmp_path / "plain.model.json").write_text(json.dumps(shipped), encoding="utf-8")
    assert TrainedModels.load(tmp_path / "plain.model.json").rule_trust == {}


def test_policies_of_one_profile_share_one_copy_of_its_model() -> None:
    # A process holding many policy objects (the tests make hundreds) reads each model file once.
    policy = load_policy("hospital")
    first, second = text_classifier(policy), text_classifier(policy.model_copy(deep=True))
    assert first is not second and first.models is not None and first.models is second.models
    assert text_classifier(load_policy("property")).models is not first.models


def _packed(weights: dict[str, list[Any]], classes: int = 1) -> dict[str, Any]:
    return {"classes": [f"c{i}" for i in range(classes)], "intercepts": [0.0] * classes,
            "packed": PackedWeights.pack(weights, 2)}


def test_a_weight_naming_a_missing_class_is_refused() -> None:
    with pytest.raises(ModelFileError, match="class"):
        LinearModel.from_dict(_packed({"w:x": [3, 1.0]}))


def test_packed_weights_are_the_same_weights_read_back() -> None:
    weights = {"c:漏水": [0, 0.24, 2, -12.57], "w:plain": [], "s: le": [1, 0.01], "w:big": [2, 321.5, 0, -0.1]}
    model = LinearModel.from_dict(json.loads(json.dumps(_packed(weights, 3), ensure_ascii=False)))
    assert dict(model.weights.items()) == weights and list(model.weights) == list(weights)
    plain = LinearModel(model.classes, model.intercepts, weights)
    features = ["c:漏水", "w:plain", "s: le", "w:big", "w:unknown"]
    # the file's weights are decimals added exactly, the plain model's the floats nearest them: the same to an ulp
    assert model.scores(features) == pytest.approx(plain.scores(features), rel=1e-15, abs=1e-13)
    assert model.contributions(features, "c0") == plain.contributions(features, "c0")


def test_a_read_model_adds_its_weights_as_written() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floats, however carefully added; the file's hundredths add to 0.3
    model = LinearModel.from_dict(_packed({"w:a": [0, 0.1], "w:b": [0, 0.2]}))
    assert model.scores(["w:a", "w:b"]) == [0.3]
    # weights at both ends of what the file can hold, many features at once: no class's sum spills into another
    extreme = (2 ** 31 - 1) / 100
    many = {f"w:{i}": [0, extreme, 1, -extreme] for i in range(300)} | {"w:none": []}
    model = LinearModel.from_dict({**_packed(many, 2), "per_feature": [0.5, -0.25]})
    units = 300 * (2 ** 31 - 1)  # each class's sum in hundredths, rounded once
    assert model.scores(list(many) + ["w:unknown"]) == [units / 100 + 301 * 0.5, -units / 100 - 301 * 0.25]
    assert model.scores(["w:unknown"]) == [0.0, 0.0]


@pytest.mark.parametrize("spoil", [
    lambda p: p.update(pairs=base64.b64encode(b"\x01").decode()),  # two features, one pair count
    lambda p: p.update(classes=base64.b64encode(b"\x00").decode()),  # two pairs, one class index
    lambda p: p.update(weights="not base64!"),
    lambda p: p.update(features="w:x\nw:x"),  # a feature twice
    lambda p: p.pop("decimals"),
    lambda p: p.update(decimals="2"),
])
def test_packed_weights_that_do_not_add_up_are_refused(spoil: Any) -> None:
    data = _packed({"w:x": [0, 0.5], "w:y": [0, -1.25]})
    spoil(data["packed"])
    with pytest.raises(ModelFileError, match="packed"):
        LinearModel.from_dict(data)


def test_a_model_file_from_before_the_weights_were_packed_is_refused() -> None:
    with pytest.raises(ModelFileError, match="make model"):
        LinearModel.from_dict({"classes": ["a"], "intercepts": [0.0], "weights": {"w:x": [0, 1.0]}})


def test_weights_finer_than_the_file_keeps_are_not_packed() -> None:
    with pytest.raises(ValueError, match="decimals"):
        PackedWeights.pack({"w:x": [0, 0.125]}, 2)
    with pytest.raises(ValueError, match="line break"):
        PackedWeights.pack({"w:x\ny": [0, 0.5]}, 2)


def test_classifying_needs_neither_numpy_nor_scikit_learn() -> None:
    code = ("import sys; from complaints.core.policy import load_policy; "
            "from complaints.triage.classifier import classify; "
            "classify('信号弱', service=None, channel='hotline', vip=False, policy=load_policy('telecom')); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'sklearn', 'scipy')))")
    shared = str(Path(__file__).resolve().parents[3] / "shared")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": shared}).stdout.strip()
    assert found == "[]"


SECOND_LABELS = {"second_annotator.jsonl": HELD_OUT, "second_annotator_training.jsonl": TRAINING}


def _second_labels(name: str) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], dict[str, set[str]]]:
    """A second annotator's rows, the labelled files they name (each read once) and each profile's categories."""
    rows = load(name)
    files = {file: load(file) for file in {str(row["file"]) for row in rows}}
    return rows, files, {profile: set(load_policy(profile).categories) for profile in HELD_OUT}


@pytest.mark.parametrize("name", sorted(SECOND_LABELS))
def test_the_second_annotators_labels_name_real_rows_and_labels_of_their_profile(name: str) -> None:
    rows, files, categories_of = _second_labels(name)
    assert len({(row["file"], row["line"]) for row in rows}) == len(rows)  # each complaint labelled once
    for row in rows:
        profile, file = str(row["profile"]), str(row["file"])
        assert file in SECOND_LABELS[name][profile].values(), row
        assert 1 <= int(str(row["line"])) <= len(files[file]), row
        categories = categories_of[profile]
        assert row["category"] in categories and row.get("second", row["category"]) in categories, row
        assert Nature(str(row["nature"])), row


@pytest.mark.parametrize("name", sorted(SECOND_LABELS))
def test_every_category_the_writer_and_the_second_annotator_split_on_is_settled_and_no_other(name: str) -> None:
    rows, files, categories_of = _second_labels(name)
    for row in rows:
        writer = files[str(row["file"])][int(str(row["line"])) - 1]["category"]
        if writer == row["category"]:
            assert "adjudicated" not in row, row
        else:
            assert row.get("adjudicated") in categories_of[str(row["profile"])], row


def test_the_models_evidence_is_the_same_in_every_process() -> None:
    # Features that push equally are listed by name, not in the order a process's string hashing sets them.
    model = LinearModel(("a", "b"), (0.0, 0.0), {"w:zeta": [0, 1.0], "w:alpha": [0, 1.0], "w:mid": [0, 2.0],
                                                 "w:against": [1, 1.0]})
    assert model.contributions(["w:zeta", "w:against", "w:alpha", "w:mid"], "a") == [
        ("w:mid", 1.0), ("w:alpha", 0.5), ("w:zeta", 0.5)]
    assert model.scores(["w:zeta", "w:zeta", "w:mid", "w:against"]) == [3.0, 1.0]  # a feature counts once


def test_a_feature_s_push_is_the_same_on_every_python_and_a_limit_of_none_shows_none() -> None:
    # Its weight against the mean of its weights, added up in the file's order: 0.1875 exactly, 0.188 once rounded
    # (a compensated sum(), as Python 3.12 has, makes it 0.187).
    model = LinearModel(("a", "b", "c", "d"), (0.0, 0.0, 0.0, 0.0), {"f": [0, -0.21, 1, -0.84, 2, -0.45, 3, -0.09],
                                                                     "g": [0, 0.1, 1, 0.2, 2, 0.3]})
    assert model.contributions(["f"], "a") == [("f", 0.188)]
    assert model.contributions(["f", "g"], "a", limit=0) == []
    assert model.scores(["f", "g"]) == pytest.approx([-0.11, -0.64, -0.15, -0.09])


def test_per_feature_weights_count_each_known_feature_once() -> None:
    # A naive Bayes expert's smoothing is stored once per class and added for every known feature present: one
    # with no weight left (an empty list) still counts, an unknown one does not.
    model = LinearModel(("a", "b"), (0.5, -0.5), {"w:x": [0, 1.0], "w:plain": []}, per_feature=(0.1, -0.1))
    assert model.scores(["w:x", "w:plain", "w:plain", "w:unknown"]) == pytest.approx([0.5 + 1.0 + 0.2, -0.5 - 0.2])
    assert model.scores(["w:unknown"]) == [0.5, -0.5]
    again = LinearModel.from_dict(model.to_dict())
    assert again == model
    with pytest.raises(ModelFileError, match="one value per class"):
        LinearModel.from_dict({**model.to_dict(), "per_feature": [0.1]})


def test_the_category_model_folds_naive_bayes_into_one_set_of_weights() -> None:
    # The product of the regression and naive Bayes, stored sparsely, scores as the two experts do together.
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    from bench import train_classifier as tc

    samples = [["w:pipe", "w:leak"], ["w:pipe", "w:burst"], ["w:noise", "w:night"], ["w:noise", "w:drill"],
               ["w:fee", "w:bill"], ["w:fee", "w:charge"], ["w:leak", "w:bill"], ["w:night", "w:drill"]] * 2
    labels = ["repair", "repair", "noise", "noise", "fees", "fees", "repair", "noise"] * 2
    # repairs are told at length: their class has many more feature counts, so its smoothing differs most
    samples += [["w:pipe", "w:leak", "w:tap", "w:sink", "w:floor", "w:wall", "w:ceiling", "w:drip"]] * 6
    labels += ["repair"] * 6
    folded = tc._fit(samples, labels, 3.0, nb_weight=0.2)
    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform([{f: 1.0 for f in s} for s in samples])
    regression = LogisticRegression(C=3.0, max_iter=5000).fit(matrix, labels)
    bayes = MultinomialNB(alpha=tc.NB_ALPHA).fit(matrix, labels)
    probe = ["w:bill", "w:night", "w:drill", "w:fee", "w:noise", "w:charge", "w:unknown"]
    x = vectoriser.transform([{f: 1.0 for f in probe}])
    expected = regression.decision_function(x)[0] + 0.2 * (bayes.predict_joint_log_proba(x)[0])
    expected = np.exp(expected - expected.max())
    expected /= expected.sum()
    got = folded.probabilities(probe)
    assert [got[str(c)] for c in regression.classes_] == pytest.approx(list(expected), abs=0.02)


def test_an_overconfident_model_is_cooled_to_what_it_gets_right() -> None:
    from bench import train_classifier as tc

    # Sure at 99% and right four times in five: a higher temperature fits; right every time: none is needed.
    sure = {"a": 0.99, "b": 0.01}
    assert tc.choose_temperature([(sure, "a")] * 4 + [(sure, "b")]) > 1.0
    assert tc.choose_temperature([(sure, "a")] * 5) == 1.0
    model = LinearModel(("a", "b"), (1.0, -1.0), {"w:x": [0, 2.0]}, per_feature=(0.2, -0.2))
    cooled = tc.cooled(model, 2.0)
    before, after = model.probabilities(["w:x"]), cooled.probabilities(["w:x"])
    assert max(after, key=lambda c: after[c]) == max(before, key=lambda c: before[c]) == "a"
    assert 0.5 < after["a"] < before["a"]
    assert after == pytest.approx(tc.calibrated(before, 2.0))
    # the weights are stored as learnt, the temperature beside them, and both survive the file
    assert cooled.weights == model.weights and cooled.intercepts == model.intercepts
    again = LinearModel.from_dict(json.loads(json.dumps(cooled.to_dict())))
    assert again == cooled and again.probabilities(["w:x"]) == pytest.approx(after)
    with pytest.raises(ModelFileError, match="temperature"):
        LinearModel.from_dict({**cooled.to_dict(), "temperature": 0})
