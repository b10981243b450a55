"""The recipients' rows of a held message's page."""

from __future__ import annotations

from dlpgate.review.recipients import GROUP_FROM, rows


def recipient(address: str, signals: list[str], risk: float = 0.99) -> dict:
    return {"address": address, "risk": risk, "signals": signals,
            "explanations": [f"{name} of {address}" for name in signals]}


def test_recipients_sharing_every_signal_are_one_row_with_the_first_as_the_example():
    carers = [recipient(f"carer{i}@gmail.com", ["new-to-organisation", "bulk-exposure"],
                        risk=0.9 + i / 1000) for i in range(40)]
    odd = recipient("dr.patel@nhs.com", ["lookalike-domain", "greeted"], risk=1.0)
    [one, group] = rows([odd, *carers])
    assert one.addresses == ["dr.patel@nhs.com"] and one.risk == "1.00"
    assert one.warnings == [("lookalike-domain", "lookalike-domain of dr.patel@nhs.com")]
    assert one.favour == [("greeted", "greeted of dr.patel@nhs.com")]
    assert group.addresses == [f"carer{i}@gmail.com" for i in range(40)]
    assert group.risk == "0.90 to 0.94"
    assert [why for _, why in group.warnings] == [
        "new-to-organisation of carer0@gmail.com", "bulk-exposure of carer0@gmail.com"]


def test_a_few_recipients_alike_stay_a_row_each_in_their_order():
    few = [recipient(f"p{i}@example.org", ["new-to-sender"]) for i in range(GROUP_FROM - 1)]
    other = recipient("q@example.org", ["known-correspondent"])
    got = rows([few[0], other, *few[1:]])
    assert [r.addresses for r in got] == [["p0@example.org"], ["q@example.org"],
                                          ["p1@example.org"], ["p2@example.org"]]
    assert got[1].warnings == [] and got[1].favour[0][0] == "known-correspondent"


def test_a_hold_kept_before_explanations_gives_the_names_alone():
    [row] = rows([{"address": "x@gmail.com", "risk": 0.9, "signals": ["personal-webmail"]}])
    assert not row.explained and row.warnings == [("personal-webmail", "")]
