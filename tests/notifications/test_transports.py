"""Transports: a real SMTP server on loopback (aiosmtpd), an outage that loses nothing, and files."""
import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from lms.extensions import db
from lms.notifications.models import MessageStatus, OutboxMessage
from lms.notifications.outbox import Email, dispatch, queue_email
from lms.notifications.transports import FileTransport, SmtpTransport, transport_from_config
from tests.notifications.conftest import NOW, queue_plain

SMTP = dict(LMS_MAIL_TRANSPORT="smtp", LMS_SMTP_SECURITY="none", LMS_SMTP_HOST="127.0.0.1",
            LMS_SMTP_TIMEOUT=5)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(raw, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.mark.config(**SMTP)
def test_messages_reach_a_real_smtp_server(app, smtp_server):
    app.config["LMS_SMTP_PORT"] = smtp_server.port
    queue_email(Email("anna@example.org", "Påminnelse: Föreningsekonomi", "Hej Anna", "<p>Hej Anna</p>",
                      ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_method="REQUEST",
                      unsubscribe_url="http://localhost/notifications/unsubscribe/abc"),
                kind="reminder", dedupe_key="k1", user_id=None, now=NOW)
    db.session.commit()
    report = dispatch(transport_from_config(app.config), NOW)
    assert report.sent == 1
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["anna@example.org"]
    assert message["Subject"] == "Påminnelse: Föreningsekonomi"
    assert message["List-Unsubscribe"] == "<http://localhost/notifications/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content().strip() == "Hej Anna"
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_param("method") == "REQUEST"


@pytest.mark.config(**SMTP)
def test_an_smtp_outage_is_retried_later_and_nothing_is_lost(app):
    port = _free_port()
    app.config["LMS_SMTP_PORT"] = port
    queue_plain(3)
    down = dispatch(transport_from_config(app.config), NOW)
    assert (down.sent, down.retrying) == (0, 3)
    rows = db.session.query(OutboxMessage).all()
    assert all(r.status is MessageStatus.PENDING and "Connection" in r.last_error for r in rows)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = transport_from_config(app.config)
        assert dispatch(transport, NOW + timedelta(seconds=30)).sent == 0  # waits for its backoff
        assert dispatch(transport, NOW + timedelta(minutes=1)).sent == 3
        assert dispatch(transport, NOW + timedelta(minutes=10)).sent == 0
    finally:
        controller.stop()
    assert sorted(m["Subject"] for _, m in sink.messages) == ["Message 0", "Message 1", "Message 2"]


def test_the_settings_choose_the_transport(app):
    assert isinstance(transport_from_config(app.config), FileTransport)
    smtp = transport_from_config({**app.config, "LMS_MAIL_TRANSPORT": "smtp", "LMS_SMTP_SECURITY": "tls",
                                  "LMS_SMTP_PORT": "465", "LMS_SMTP_USERNAME": "lms"})
    assert isinstance(smtp, SmtpTransport) and (smtp.port, smtp.security, smtp.username) == (465, "tls", "lms")
    with pytest.raises(ValueError, match="LMS_SMTP_SECURITY"):
        transport_from_config({**app.config, "LMS_MAIL_TRANSPORT": "smtp", "LMS_SMTP_SECURITY": "ssl"})
    with pytest.raises(ValueError, match="LMS_MAIL_TRANSPORT"):
        transport_from_config({**app.config, "LMS_MAIL_TRANSPORT": "pigeon"})


def test_the_file_transport_writes_whole_eml_files(app, outbox):
    queue_plain(2)
    assert dispatch(transport_from_config(app.config), NOW).sent == 2
    assert sorted(m["Subject"] for m in outbox.messages()) == ["Message 0", "Message 1"]
    assert not list(outbox.folder.glob(".*"))  # no half-written files left


@pytest.mark.config(**SMTP)
def test_account_emails_go_through_the_outbox_and_survive_an_outage(app, client):
    from tests.factories import make_user

    app.config["LMS_SMTP_PORT"] = _free_port()  # nobody listens: the mail server is down
    make_user("glomsk@example.org")
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "glomsk@example.org"})
    assert response.status_code == 302  # the person is not shown the outage
    [row] = db.session.query(OutboxMessage).all()
    assert row.kind == "password_reset" and row.status is MessageStatus.PENDING and row.attempts == 1
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=app.config["LMS_SMTP_PORT"])
    controller.start()
    try:
        assert dispatch(transport_from_config(app.config), row.next_attempt_at).sent == 1
    finally:
        controller.stop()
    [(recipients, message)] = sink.messages
    assert recipients == ["glomsk@example.org"] and "/password/reset/" in message.get_body(("plain",)).get_content()
