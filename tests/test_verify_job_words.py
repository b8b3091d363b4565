"""Why a verification job did not finish, on the regulator's page in the page's language:
the job stored one fixed sentence in Chinese and English (queue full, interrupted, could
not complete) and the page showed both to every reader. It stores a code now, put in words
when shown; a row stored before with the sentence shows it as it was."""

from __future__ import annotations

from sqlalchemy import select

from tests.test_regulator_verify_jobs import _regulator, _running_job


def _report(app, job_id=None) -> str:
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        query = select(Verification.report).where(Verification.state == "failed_to_run")
        if job_id is not None:
            query = query.where(Verification.id == job_id)
        return db.session.scalars(query.order_by(Verification.id.desc())).first()


def _said(client, pid, job, lang) -> str:
    import re

    page = client.get(f"/regulator/p/{pid}?job={job}&lang={lang}").get_data(as_text=True)
    found = re.search(r'id="verify-not-run">.*?</p><p class="muted">(.*?)</p>', page, re.S)
    assert found, page
    return found.group(1)


def test_a_broken_job_is_told_in_the_readers_language(app, runner, tmp_path, client,
                                                      monkeypatch):
    from votes.extensions import db
    from votes.models import Verification
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)

    def broken(data, progress=None):
        raise MemoryError("out of memory")

    monkeypatch.setattr(verify_jobs, "verify_exported", broken)
    client.post(f"/regulator/p/{pid}/verify")
    stored = _report(app)
    assert "验证未能完成" not in stored and "could not" not in stored, stored
    with app.app_context():
        job = db.session.scalar(select(Verification.id).where(
            Verification.state == "failed_to_run"))
    assert _said(client, pid, job, "zh_CN") == "验证未能完成：MemoryError"
    english = _said(client, pid, job, "en")
    assert "could not be completed: MemoryError" in english and "验证" not in english


def test_an_interrupted_job_and_a_full_queue_are_told_in_the_readers_language(
        app, runner, tmp_path, client, monkeypatch):
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    dead = _running_job(app, pid, beat_minutes_ago=4)
    app.config["VERIFY_IN_REQUEST"] = False
    monkeypatch.setattr(verify_jobs, "_queue", lambda app, job_id: False)
    client.post(f"/regulator/p/{pid}/verify")  # gives the dead job up; the queue is full
    assert "/" not in _report(app, dead)  # no longer the two languages in one sentence
    assert "中断" in _said(client, pid, dead, "zh_CN")
    assert "interrupted" in _said(client, pid, dead, "en")
    busy = _report(app)
    assert busy != _report(app, dead) and "服务器" not in busy, busy
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        job = db.session.scalars(select(Verification.id).where(
            Verification.state == "failed_to_run").order_by(Verification.id.desc())).first()
    assert "服务器忙" in _said(client, pid, job, "zh_CN")
    english = _said(client, pid, job, "en")
    assert "busy" in english and "服务器" not in english


def test_a_row_stored_with_the_old_sentence_still_shows_it(app, runner, tmp_path, client):
    from votes.extensions import db
    from votes.models import Verification

    pid = _regulator(app, runner, tmp_path, client)
    old = _running_job(app, pid)
    sentence = "验证未能完成 / verification could not be completed: MemoryError"
    with app.app_context():
        row = db.session.get(Verification, old)
        row.state, row.report = "failed_to_run", sentence
        db.session.commit()
    assert _said(client, pid, old, "zh_CN") == sentence


def _refusing_job(app, client, pid, monkeypatch, lang) -> int:
    """A job the export refuses (a DomainError, worded where it was raised: here in the
    language of the request that ran the job; a worker's is the configured default)."""
    from votes.extensions import db
    from votes.models import Verification
    from votes.services import verify_jobs
    from votes.services.lifecycle import get_proposal

    def refused(ref, target, **_kw):
        get_proposal("987654")  # the service's own refusal: 没有编号为 … 的表决事项

    monkeypatch.setattr(verify_jobs, "export_bundle", refused)
    client.post(f"/regulator/p/{pid}/verify?lang={lang}")
    with app.app_context():
        return db.session.scalars(select(Verification.id).where(
            Verification.state == "failed_to_run").order_by(Verification.id.desc())).first()


def test_a_refusal_raised_in_english_is_told_in_chinese(app, runner, tmp_path, client,
                                                        monkeypatch):
    """The refusal was stored as said where the job ran, and shown so to every reader: an
    English job's "No proposal numbered 987654" inside the Chinese page's sentence."""
    pid = _regulator(app, runner, tmp_path, client)
    job = _refusing_job(app, client, pid, monkeypatch, "en")
    stored = _report(app, job)
    assert "No proposal" not in stored, stored  # its msgid (the Chinese), not its words
    assert _said(client, pid, job, "zh_CN") == "验证未能完成：没有编号为 987654 的表决事项"
    assert _said(client, pid, job, "en") == \
        "The verification could not be completed: No proposal numbered 987654"


def test_a_refusal_raised_in_chinese_is_told_in_english(app, runner, tmp_path, client,
                                                        monkeypatch):
    pid = _regulator(app, runner, tmp_path, client)
    job = _refusing_job(app, client, pid, monkeypatch, "zh_CN")
    english = _said(client, pid, job, "en")
    assert english == "The verification could not be completed: No proposal numbered 987654"
    assert _said(client, pid, job, "zh_CN") == "验证未能完成：没有编号为 987654 的表决事项"
