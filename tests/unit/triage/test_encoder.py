"""The English encoder: asked only of the English complaints the vote is unsure of, loaded only when asked."""

import json
import math
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.eval_classifier import PROFILE_TRAINING, load
from bench.train_classifier import HELD_OUT, digest, inputs
from complaints.core.policy import POLICY_DIR, load_policy
from complaints.triage.classifier import TextClassifier, text_classifier
from complaints.triage.encoder import Encoder, EncoderFileError, blended

ROOT = Path(__file__).resolve().parents[3]
hospital = load_policy("hospital")


def _held_out_texts() -> list[str]:
    return [str(row["text"]) for file in HELD_OUT["hospital"].values() for row in load(file)]


@pytest.mark.parametrize("profile", sorted(PROFILE_TRAINING))  # every profile has an encoder
def test_the_shipped_encoder_reads_the_profile_s_categories_and_was_trained_on_the_current_complaints(
        profile: str) -> None:
    policy = load_policy(profile)
    encoder = text_classifier(policy).encoder
    assert encoder is not None
    assert encoder.categories == list(policy.categories)
    assert encoder.trained_on == digest(inputs(profile)), \
        f"the labelled data changed: run `make encoder PROFILE={profile}`"


def test_an_unsure_english_complaint_is_read_by_the_encoder_and_its_scores_join_the_vote() -> None:
    shipped = text_classifier(hospital)
    linear = TextClassifier(hospital, shipped.models)
    assert linear.encoder is None, "models given without an encoder (cross-validation's) are used without one"
    unsure = [t for t in _held_out_texts() if Encoder.reads(t)
              and max(linear.decide(t, None).votes.values()) < shipped.consult_below][:20]
    assert len(unsure) == 20
    for text in unsure:
        with_encoder, without = shipped.decide(text, None), linear.decide(text, None)
        assert with_encoder.encoder is not None and set(with_encoder.encoder) == set(hospital.categories)
        assert with_encoder.votes != without.votes
    assert any(shipped.decide(t, None).category != linear.decide(t, None).category for t in unsure)
    assert "encoder" in shipped.explain(unsure[0])


def test_chinese_and_sure_complaints_are_never_sent_to_it() -> None:
    shipped = text_classifier(hospital)
    texts = _held_out_texts()
    chinese = [t for t in texts if not Encoder.reads(t)]
    linear = TextClassifier(hospital, shipped.models)
    # The vote itself, not the confidence rounded for display, is what the encoder is asked below
    sure = [t for t in texts
            if Encoder.reads(t) and max(linear.decide(t, None).votes.values()) >= shipped.consult_below]
    assert chinese and sure
    assert all(shipped.decide(t, None).encoder is None for t in chinese[:200] + sure[:200])
    assert not Encoder.reads("手术后出现并发症 the doctor never told us") and Encoder.reads("The nurse was late")


def test_a_cold_start_loads_no_encoder_until_a_complaint_needs_it() -> None:
    # A fresh process, as a Lambda container is: building the classifier and classifying Chinese and sure English
    # complaints imports neither onnxruntime nor numpy.
    script = """
import sys
from complaints.core.policy import load_policy
from complaints.triage.classifier import text_classifier
classifier = text_classifier(load_policy("hospital"))
for text in ("护士打针打了三次都没打进去，手都肿了", "I was charged twice for the same blood test"):
    classifier.decide(text, None)
print(classifier.encoder.loaded, "onnxruntime" in sys.modules, "numpy" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}", "PATH": "/usr/bin:/bin"})
    assert done.stdout.split() == ["False", "False", "False"], done.stderr


def test_blending_adds_the_encoder_s_scores_to_the_model_s_log_probabilities() -> None:
    model = {"a": 0.6, "b": 0.3, "c": 0.1}
    assert blended(model, {"a": 1.0, "b": 1.0, "c": 1.0}, 2.0) == pytest.approx(model)
    mixed = blended(model, {"a": 0.0, "b": 2.0, "c": 0.0}, 1.0)
    assert sum(mixed.values()) == pytest.approx(1.0)
    assert mixed["b"] / mixed["a"] == pytest.approx(0.3 / 0.6 * math.e ** 2)


def test_an_encoder_whose_files_are_missing_is_refused_naming_the_file(tmp_path: Path) -> None:
    description = json.loads((POLICY_DIR / "hospital.encoder.json").read_text(encoding="utf-8"))
    (tmp_path / "x.encoder.json").write_text(json.dumps({**description, "weights": "gone.onnx"}), encoding="utf-8")
    with pytest.raises(EncoderFileError, match="gone.onnx"):
        Encoder(tmp_path / "x.encoder.json")
    (tmp_path / "y.encoder.json").write_text("{", encoding="utf-8")
    with pytest.raises(EncoderFileError, match="y.encoder.json"):
        Encoder(tmp_path / "y.encoder.json")


@pytest.mark.parametrize("text", ["hi", "hello there", "asdf", "test", "Bác sĩ rất thô lỗ với tôi", "?!", "12345"])
def test_text_with_too_little_english_to_read_is_left_to_the_rules_and_the_model(text: str) -> None:
    shipped = text_classifier(hospital)
    decision = shipped.decide(text, None)
    assert decision.encoder is None
    assert decision == TextClassifier(hospital, shipped.models).decide(text, None)


def test_full_width_english_is_read_as_english() -> None:
    assert Encoder.reads("ｔｈｅ ｎｕｒｓｅ ｗａｓ ｌａｔｅ") and Encoder.reads("I waited 3 hours")


def test_a_function_without_the_encoder_s_run_time_fails_at_init(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(EncoderFileError, match="onnxruntime"):
        Encoder(POLICY_DIR / "hospital.encoder.json")


def _spoilt_encoder(tmp_path: Path, spoil: Callable[[Path], object]) -> Encoder:
    """The hospital encoder's description and tokenizer in tmp_path, beside its weights as `spoil` leaves them."""
    description = json.loads((POLICY_DIR / "hospital.encoder.json").read_text(encoding="utf-8"))
    shutil.copyfile(POLICY_DIR / description["tokenizer"], tmp_path / description["tokenizer"])
    shutil.copyfile(POLICY_DIR / description["weights"], tmp_path / description["weights"])
    spoil(tmp_path / description["weights"])
    (tmp_path / "hospital.encoder.json").write_text(json.dumps(description), encoding="utf-8")
    return Encoder(tmp_path / "hospital.encoder.json")


def _unsure_english(classifier: TextClassifier) -> list[str]:
    return [t for t in _held_out_texts() if Encoder.reads(t)
            and classifier.decide(t, None).confidence < classifier.consult_below][:3]


def test_an_encoder_whose_weights_do_not_load_leaves_the_vote_to_stand(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = text_classifier(hospital)
    linear = TextClassifier(hospital, shipped.models)
    broken = _spoilt_encoder(tmp_path, lambda weights: weights.write_bytes(b"not an onnx file"))
    classifier = TextClassifier(hospital, shipped.models, broken)
    texts = _unsure_english(linear)
    assert len(texts) == 3
    opened: list[int] = []

    def counted_open() -> None:
        opened.append(1)
        Encoder._open(broken)

    broken._open = counted_open  # type: ignore[method-assign]
    for text in texts:
        decision = classifier.decide(text, None)
        assert decision == linear.decide(text, None), "classified as without an encoder"
        assert decision.encoder is None
    assert len(opened) == 1, "a file that did not load is not read again for every complaint"
    assert capsys.readouterr().out.count('"EncoderUnavailable":[1.0]') == 3  # the template's alarm counts them
    warnings = [r for r in caplog.records
                if r.getMessage() == "the English encoder is unavailable; classified without it"]
    assert len(warnings) == 3
    assert all(r.__dict__["reason"].startswith("hospital.encoder.onnx did not load: ") for r in warnings)
    assert not any(text[:40] in str(r.__dict__) for r in caplog.records for text in texts), "no complaint text logged"


def test_an_encoder_that_fails_on_one_complaint_leaves_that_vote_to_stand(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = text_classifier(hospital)
    linear = TextClassifier(hospital, shipped.models)
    encoder = _spoilt_encoder(tmp_path, lambda weights: None)
    classifier = TextClassifier(hospital, shipped.models, encoder)
    first, second, *_ = _unsure_english(linear)
    assert classifier.decide(first, None).encoder is not None
    monkeypatch.setattr(encoder._session, "run", lambda *a: (_ for _ in ()).throw(RuntimeError(second)))
    decision = classifier.decide(second, None)
    assert decision == linear.decide(second, None)
    warning, = (r for r in caplog.records if r.getMessage().startswith("the English encoder is unavailable"))
    assert warning.__dict__["reason"] == "hospital.encoder.onnx failed on a complaint: RuntimeError"
    assert second[:40] not in str(warning.__dict__), "onnxruntime's message is not logged: it may quote the input"
