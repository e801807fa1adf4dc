"""Deterministic brand logs for one month of the sample parties (the demo's input).

    python -m sample_data.generate OUT_DIR [--period 2026-10]

Writes zephyr-PERIOD.csv, smith-PERIOD.jsonl, hanami-PERIOD.csv and hanami-PERIOD-resend.csv
(a resend that repeats some events: they must count as duplicates). The logs contain, on purpose,
uses that break a contract: out of territory, missing AI disclosure, an asset never rendered, a
twin the brand has no licence for, and a use in breach of another brand's exclusivity.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIELDS = [
    "event_id",
    "occurred_at",
    "kind",
    "twin_id",
    "asset_id",
    "channel",
    "territory",
    "media",
    "quantity",
    "duration_s",
    "campaign",
    "category",
    "ai_disclosure",
    "content_hash",
]


class Log:
    def __init__(self, prefix: str, year: int, month: int, rng: random.Random):
        self.prefix, self.rng = prefix, rng
        self.rows: list[dict[str, object]] = []
        self.start = datetime(year, month, 1, tzinfo=UTC)
        nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        self.days = (nxt - self.start).days

    def at(self, day: int, hour: int | None = None) -> datetime:
        hour = self.rng.randrange(7, 22) if hour is None else hour
        return self.start + timedelta(days=day, hours=hour, minutes=self.rng.randrange(60))

    def add(self, when: datetime, kind: str, twin: str, asset: str, **extra: object) -> str:
        event_id = f"{self.prefix}-{self.start:%Y%m}-{len(self.rows) + 1:05d}"
        row: dict[str, object] = {
            "event_id": event_id,
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": kind,
            "twin_id": twin,
            "asset_id": asset,
        }
        row.update({k: v for k, v in extra.items() if v is not None})
        self.rows.append(row)
        return event_id

    def renders(self, twin: str, assets: list[str], campaign: str) -> None:
        for n, asset in enumerate(assets):
            self.add(self.at(n % 5, 8), "render", twin, asset, media="still", campaign=campaign)

    def publications(
        self,
        twin: str,
        assets: list[str],
        count: int,
        channels: list[str],
        territories: list[str],
        campaign: str,
        video_share: float = 0.0,
    ) -> None:
        for _ in range(count):
            video = self.rng.random() < video_share
            self.add(
                self.at(self.rng.randrange(5, self.days)),
                "publication",
                twin,
                self.rng.choice(assets),
                channel=self.rng.choice(channels),
                territory=self.rng.choice(territories),
                media="video" if video else "still",
                duration_s=self.rng.randrange(10, 46) if video else None,
                campaign=campaign,
                ai_disclosure="true",
            )

    def impressions(
        self, twin: str, asset: str, channel: str, territories: list[str], low: int, high: int
    ) -> None:
        for day in range(self.days):
            for territory in territories:
                self.add(
                    self.at(day, 23),
                    "impressions",
                    twin,
                    asset,
                    channel=channel,
                    territory=territory,
                    quantity=self.rng.randrange(low, high),
                )


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def generate(out: Path, period: str = "2026-10") -> list[tuple[str, Path]]:
    """Write the month's logs; returns (brand, file) in ingest order."""
    year, month = (int(p) for p in period.split("-"))
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"twinledger-{period}")

    zephyr = Log("ZEP", year, month, rng)
    liv = [f"zep-liv-{n:03d}" for n in range(1, 41)]
    zephyr.renders("liv-s-twin-1", liv, "Autumn Knit")
    zephyr.publications(
        "liv-s-twin-1",
        liv,
        60,
        ["social", "social", "web", "ecommerce"],
        ["SE", "NO", "DK", "FI"],
        "Autumn Knit",
        video_share=0.25,
    )
    zephyr.impressions("liv-s-twin-1", liv[0], "social", ["SE", "NO", "DK", "FI"], 1500, 4500)
    zephyr.add(
        zephyr.at(20),
        "publication",
        "liv-s-twin-1",
        liv[3],
        channel="social",
        territory="US",
        media="still",
        campaign="Autumn Knit",
        ai_disclosure="true",
    )
    zephyr.add(
        zephyr.at(21),
        "publication",
        "liv-s-twin-1",
        liv[4],
        channel="web",
        territory="SE",
        media="still",
        campaign="Autumn Knit",
        ai_disclosure="false",
    )
    zephyr.add(
        zephyr.at(22),
        "publication",
        "liv-s-twin-1",
        "zep-liv-999",
        channel="social",
        territory="NO",
        media="still",
        campaign="Autumn Knit",
        ai_disclosure="true",
    )
    anna = [f"zep-anna-{n:03d}" for n in range(1, 6)]
    zephyr.renders("anna-k-twin-1", anna, "Nordic Light")
    zephyr.publications("anna-k-twin-1", anna, 10, ["social", "web"], ["SE", "NO"], "Nordic Light")
    zephyr.add(
        zephyr.at(12),
        "publication",
        "sofia-p-twin-1",
        "zep-sofia-001",
        channel="web",
        territory="SE",
        media="still",
        campaign="Nordic Light",
        ai_disclosure="true",
    )

    smith = Log("SMI", year, month, rng)
    zoe = [f"smi-zoe-{n:03d}" for n in range(1, 31)]
    smith.renders("zoe-l-twin-1", zoe, "Walk Tall")
    smith.publications(
        "zoe-l-twin-1", zoe, 25, ["social", "print", "ooh"], ["GB", "FR", "DE"], "Walk Tall"
    )
    smith.add(
        smith.at(18),
        "publication",
        "zoe-l-twin-1",
        zoe[2],
        channel="social",
        territory="US",
        media="still",
        campaign="Walk Tall",
        ai_disclosure="true",
    )

    hanami = Log("HAN", year, month, rng)
    sofia = [f"han-sofia-{n:03d}" for n in range(1, 21)]
    hanami.renders("sofia-p-twin-1", sofia, "Indigo")
    hanami.publications(
        "sofia-p-twin-1", sofia, 30, ["social", "web", "ooh"], ["JP", "KR"], "Indigo"
    )
    hanami.impressions("sofia-p-twin-1", sofia[0], "social", ["JP", "KR"], 2000, 9000)
    anna_jp = [f"han-anna-{n:03d}" for n in range(1, 6)]
    hanami.renders("anna-k-twin-1", anna_jp, "Indigo")
    hanami.publications("anna-k-twin-1", anna_jp, 8, ["social"], ["JP"], "Indigo")
    hanami.add(
        hanami.at(25),
        "publication",
        "anna-k-twin-1",
        anna_jp[1],
        channel="social",
        territory="SE",
        media="still",
        campaign="Indigo",
        ai_disclosure="true",
    )

    files = []
    path = out / f"zephyr-{period}.csv"
    _write_csv(path, zephyr.rows)
    files.append(("zephyr", path))
    path = out / f"smith-{period}.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in smith.rows), encoding="utf-8"
    )
    files.append(("smith", path))
    path = out / f"hanami-{period}.csv"
    _write_csv(path, hanami.rows)
    files.append(("hanami", path))
    resend = hanami.rows[-12:]
    path = out / f"hanami-{period}-resend.csv"
    _write_csv(path, resend)
    files.append(("hanami", path))
    return files


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: python -m sample_data.generate OUT_DIR [--period YYYY-MM]")
    period = args[args.index("--period") + 1] if "--period" in args else "2026-10"
    for brand, file in generate(Path(args[0]), period):
        print(f"{brand}\t{file}")
