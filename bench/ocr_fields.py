"""智能识别填单 benchmark: field accuracy, honesty and time per image of `recognise_id_card`
and `recognise_business_licence` on two SYNTHETIC sets:

- original: 身份证 fronts and 营业执照 rendered by yishi.core.ocr_samples (one font, light
  noise, at most 2° of tilt), half ID cards, half licences;
- hard: yishi.core.ocr_hard_samples, photographs as a phone takes them (several CJK fonts,
  ±5° rotation, perspective, backgrounds and shadows, blur, noise, JPEG 50–80; 正本 and 副本,
  个体工商户 and 合伙企业 licences; rare characters in names and places).

    .venv/bin/python bench/ocr_fields.py [--set original|hard|both] [--quick] [--verbose]
    .venv/bin/python bench/ocr_fields.py --set hard --calibrate

A field is right when its value equals the truth after whitespace is removed. Per set:
`field_accuracy`; `silently_wrong`, fields wrong but marked checked (ok) — the figure that must
be 0; `checked_share`, right values marked checked over all right values. `--calibrate` reads
the hard set with no confidence threshold and prints, per threshold, how many wrong fields a
character-confidence rule would leave checked and the checked share it would keep (how
ocr.CHAR_CONFIDENCE was chosen). The one-time model load is reported apart. The last line
printed is one JSON object; the exit status is non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_ACCURACY = {"original": 1.0, "hard": 0.97}
TARGET_CHECKED_SHARE = 0.9
TARGET_SECONDS = 3.0
SEED = 20261128
HARD_SEED = 20261207


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def norm(value: object) -> str:
    return "".join(str(value or "").split())


def original_samples(count: int, seed: int) -> list[tuple[str, str, dict, bytes]]:
    from yishi.core.ocr_samples import (
        render_business_licence,
        render_id_card,
        synthetic_companies,
        synthetic_people,
    )

    n_id = (count + 1) // 2
    return [
        ("id_card", "id_front", person, render_id_card(person, seed=seed + i))
        for i, person in enumerate(synthetic_people(n_id, seed=seed))
    ] + [
        ("business_licence", "company", company, render_business_licence(company, seed=seed + i))
        for i, company in enumerate(synthetic_companies(count - n_id, seed=seed))
    ]


def hard_samples(count: int, seed: int) -> list[tuple[str, str, dict, bytes]]:
    from yishi.core.ocr_hard_samples import hard_cases

    return [(c.document, c.variant, c.truth, c.image) for c in hard_cases(count, seed=seed)]


def measure(name: str, samples: list, verbose: bool) -> dict:
    from yishi.core import ocr

    recognise = {
        "id_card": ocr.recognise_id_card,
        "business_licence": ocr.recognise_business_licence,
    }
    timings: list[float] = []
    per_field: dict[str, list[int]] = {}
    silently_wrong = checked_right = right_total = flagged_wrong = 0
    rows = []  # (right, ok, confidence) per field, for --calibrate
    for i, (kind, variant, truth, image) in enumerate(samples):
        t0 = time.perf_counter()
        result = recognise[kind](image)
        timings.append(time.perf_counter() - t0)
        wrong = []
        for field_name, expected in truth.items():
            got = result.fields.get(field_name)
            value = got.value if got else ""
            right = norm(value) == norm(expected)
            ok = bool(got and got.ok)
            per_field.setdefault(f"{kind}.{field_name}", []).append(int(right))
            right_total += right
            checked_right += right and ok
            silently_wrong += ok and not right
            flagged_wrong += not ok and not right
            rows.append((right, got.message if got else "", got.confidence if got else 0.0))
            if not right or (verbose and not ok):
                mark = (
                    "SILENTLY WRONG"
                    if ok and not right
                    else ("wrong" if not right else "unchecked")
                )
                wrong.append(
                    f"{mark} {field_name}: {value!r} want {expected!r} ({got.message if got else 'missing'})"
                )
        status = "ok" if not wrong else f"{len(wrong)} notes"
        print(f"  [{name}] #{i:<3} {variant:<16} {timings[-1]:5.2f} s  {status}")
        for line in wrong:
            print(f"        {line}")
    total = sum(len(v) for v in per_field.values())
    right = sum(sum(v) for v in per_field.values())
    return {
        "images": len(samples),
        "fields": total,
        "field_accuracy": round(right / total, 4) if total else 0.0,
        "silently_wrong": silently_wrong,
        "wrong_flagged": flagged_wrong,
        "checked_share": round(checked_right / right_total, 4) if right_total else 0.0,
        "seconds_per_image": round(statistics.fmean(timings), 3),
        "p95_seconds": round(percentile(timings, 95), 3),
        "max_seconds": round(max(timings), 3),
        "per_field_accuracy": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_field.items())},
        "_rows": rows,
    }


def calibrate(samples: list) -> None:
    """Read every image once, then parse its lines at each candidate CHAR_CONFIDENCE: the
    wrong fields left checked and the share of right values kept checked."""
    from yishi.core import ocr

    read = []
    for kind, _variant, truth, image in samples:
        side = ocr.DET_SIDE if kind == "id_card" else ocr.DET_SIDE_LICENCE
        lines = ocr.engine.run(ocr.rectify(ocr.load_image(image)), det_side=side)
        read.append((kind, truth, lines))
    places = ocr.known_places()
    saved = ocr.CHAR_CONFIDENCE
    print("threshold  silently-wrong  checked-share")
    try:
        for threshold in (0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.97, 0.99):
            ocr.CHAR_CONFIDENCE = threshold
            wrong_checked = right_checked = rights = 0
            for kind, truth, lines in read:
                parse = ocr.parse_id_card if kind == "id_card" else ocr.parse_business_licence
                fields = parse(lines, places=places)
                for key, expected in truth.items():
                    got = fields.get(key)
                    right = bool(got) and norm(got.value) == norm(expected)
                    rights += right
                    right_checked += right and got.ok
                    wrong_checked += bool(got) and got.ok and not right
            share = right_checked / rights if rights else 0.0
            print(f"  {threshold:<9} {wrong_checked:<15} {share:.3f}")
    finally:
        ocr.CHAR_CONFIDENCE = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["original", "hard", "both"], default="both")
    parser.add_argument("--count", type=int, default=60, help="original images (default 60)")
    parser.add_argument("--hard-count", type=int, default=120, help="hard images (default 120)")
    parser.add_argument("--quick", action="store_true", help="10 original and 20 hard images")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--calibrate", action="store_true", help="choose the confidence threshold")
    parser.add_argument(
        "--verbose", action="store_true", help="also list right but unchecked fields"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from yishi.core import ocr

    sets = ["original", "hard"] if args.set == "both" else [args.set]
    counts = {
        "original": 10 if args.quick else args.count,
        "hard": 20 if args.quick else args.hard_count,
    }
    started = time.perf_counter()
    samples = {
        "original": original_samples(counts["original"], args.seed) if "original" in sets else [],
        "hard": hard_samples(counts["hard"], HARD_SEED) if "hard" in sets else [],
    }
    print(
        f"rendered {sum(len(v) for v in samples.values())} images in {time.perf_counter() - started:.1f} s"
    )
    ocr.engine.get()
    print(f"model loaded in {ocr.engine.load_seconds:.2f} s")
    if args.calibrate:
        calibrate(samples["hard"] or samples["original"])
        return 0

    results = {}
    ok = True
    for name in sets:
        result = measure(name, samples[name], args.verbose)
        result.pop("_rows")
        results[name] = result
        for key, value in result["per_field_accuracy"].items():
            print(f"  [{name}] {key:<40} {value:.1%}")
        print(
            f"{name}: {result['images']} images, {result['fields']} fields: "
            f"{result['field_accuracy']:.1%} right (target {TARGET_ACCURACY[name]:.0%}), "
            f"silently wrong {result['silently_wrong']} (target 0), checked share "
            f"{result['checked_share']:.1%} (target {TARGET_CHECKED_SHARE:.0%}), "
            f"{result['seconds_per_image']:.2f} s per image (target {TARGET_SECONDS} s)"
        )
        ok &= (
            result["field_accuracy"] >= TARGET_ACCURACY[name]
            and result["silently_wrong"] == 0
            and result["seconds_per_image"] <= TARGET_SECONDS
            and (name != "hard" or result["checked_share"] >= TARGET_CHECKED_SHARE)
        )
    summary = {
        **{
            f"{name}_{k}": v
            for name, r in results.items()
            for k, v in r.items()
            if k != "per_field_accuracy"
        },
        "sets": results,
        "model_load_seconds": round(ocr.engine.load_seconds, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "target": {
            "field_accuracy": TARGET_ACCURACY,
            "silently_wrong": 0,
            "checked_share": TARGET_CHECKED_SHARE,
            "seconds_per_image": TARGET_SECONDS,
        },
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
