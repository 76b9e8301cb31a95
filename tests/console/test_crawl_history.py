"""Crawl history (start, end, pages, items, errors, alerts) is shown in the admin console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from console.app import create_app
from markwatch.console_wiring import crawl_runs_reader
from markwatch.scheduler import CrawlHistory, CrawlOutcome, JobSpec
from markwatch.settings import load_settings

from .seed import Seeded, login


def test_admin_page_lists_recorded_crawl_runs(seeded: Seeded, tmp_path: Path) -> None:
    settings = load_settings(environ={"MARKWATCH_DATA_DIR": str(tmp_path / "data")})
    history = CrawlHistory(settings.data_dir / "schedule" / "history.sqlite3")
    job = JobSpec(name="taobao-ginseng", spider="taobao", cron="0 */6 * * *")
    started = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    run_id = history.add(job, {"q": "长白山人参"}, started, "running", started_at=started)
    history.finish(
        run_id,
        datetime(2026, 11, 24, 6, 4, tzinfo=UTC),
        CrawlOutcome(exit_code=0, pages=412, items=398, errors=3, alerts=57),
    )
    history.close()

    seeded.deps.backend._crawl_runs = crawl_runs_reader(settings)
    with TestClient(create_app(seeded.deps), follow_redirects=False) as client:
        login(client, "admin")
        page = client.get("/admin").text
    row = page.split('id="crawl-history"', 1)[1].split("</table>", 1)[0]
    for shown in ("taobao-ginseng", "taobao", "412", "398", "57"):
        assert f"<td>{shown}</td>" in row, shown


def test_schedules_saved_in_the_console_are_run_by_the_scheduler(tmp_path: Path) -> None:
    from console.console_store import ConsoleStore, CrawlSchedule
    from console.tables import console_engine
    from markwatch.commands.schedule import console_jobs

    settings = load_settings(environ={"MARKWATCH_DATA_DIR": str(tmp_path)})
    store = ConsoleStore(console_engine(settings.alerts_db_path))
    store.save_schedule(CrawlSchedule("jd-rice", "jd", "30 2 * * *", {"keyword": "五常大米"}, True))
    store.save_schedule(CrawlSchedule("paused", "pdd", "0 1 * * *", {}, False))
    store.save_schedule(CrawlSchedule("in-config", "tmall", "0 0 * * *", {}, True))
    configured = [JobSpec(name="in-config", spider="tmall", cron="0 5 * * *")]
    jobs = console_jobs(settings, configured)
    assert [(j.name, j.spider, j.cron, dict(j.args)) for j in jobs] == [
        ("jd-rice", "jd", "30 2 * * *", {"keyword": "五常大米"})
    ]
