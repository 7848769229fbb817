from typing import Any

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children import access
from children.models import CareTeamMember, Guardianship, scopes_to_text
from coordination.models import Message, Thread
from coordination.services import messages as services

BASE_SCOPES = ["summary", "health", "visits", "plan"]


def share_messages(user: Any, *, write: bool | None = None) -> CareTeamMember:
    """Add the messages scope to the team grant linked to ``user``."""
    member = CareTeamMember.objects.get(user=user)
    member.scopes = scopes_to_text([*member.scope_list, "messages"])
    if write is not None:
        member.can_write = write
    member.save()
    access.forget(user)
    return member


def start(client: Any, cast: dict[str, Any], to: list[CareTeamMember], **extra: Any) -> Any:
    data = {
        "participants": [m.pk for m in to],
        "subject": "Night seizures",
        "body": "Two short seizures at 3am this week.",
        **extra,
    }
    return client.post(reverse("coordination:thread-create", args=[cast["child"].uuid]), data)


def thread_url(thread: Thread, name: str = "coordination:thread-detail") -> str:
    return reverse(name, args=[thread.child.uuid, thread.uuid])


def unread_on(thread: Thread, user: Any) -> int:
    return services.threads_with_unread(Thread.objects.filter(pk=thread.pk), user).get().unread


def test_owner_writes_to_a_team_member_who_reads_and_replies(client, cast):
    editor = share_messages(cast["editor"])
    client.force_login(cast["owner"])
    form = client.get(reverse("coordination:thread-create", args=[cast["child"].uuid]))
    assert "Dr. Editor" in form.content.decode()
    # Team members without the messages scope are not offered.
    assert "Dr. Viewer" not in form.content.decode()
    response = start(client, cast, [editor])
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread_url(thread)
    assert thread.kind == Thread.Kind.MESSAGE and list(thread.participants.all()) == [editor]
    assert thread.messages.get().author_name == cast["owner"].display_name

    client.force_login(cast["editor"])
    assert services.unread_total(cast["editor"]) == 1
    page = client.get(thread_url(thread)).content.decode()
    assert "Two short seizures" in page
    assert services.unread_total(cast["editor"]) == 0
    reply = client.post(
        thread_url(thread, "coordination:message-add"), {"body": "Keep a seizure diary."}
    )
    assert reply.status_code == 302
    assert [m.body for m in thread.messages.all()] == [
        "Two short seizures at 3am this week.",
        "Keep a seizure diary.",
    ]
    assert unread_on(thread, cast["owner"]) == 1
    assert unread_on(thread, cast["editor"]) == 0


def test_unread_counts_go_up_and_down_and_show_in_the_menu(client, cast):
    editor = share_messages(cast["editor"])
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Hello",
        kind="message",
        participants=[editor],
        body="First",
    )
    for body in ("Second", "Third"):
        services.message_add(actor=cast["owner"], thread=thread, body=body)
    assert unread_on(thread, cast["editor"]) == 3
    assert unread_on(thread, cast["owner"]) == 0
    client.force_login(cast["editor"])
    listing = client.get(reverse("coordination:my-messages")).content.decode()
    assert "<strong>Hello</strong>" in listing and "3 new" in listing
    assert '3<span class="visually-hidden"> unread messages' in listing
    client.get(thread_url(thread))
    assert unread_on(thread, cast["editor"]) == 0
    listing = client.get(reverse("coordination:my-messages")).content.decode()
    assert "<strong>Hello</strong>" not in listing and "unread message" not in listing
    services.message_add(actor=cast["owner"], thread=thread, body="Fourth")
    assert unread_on(thread, cast["editor"]) == 1
    assert services.unread_total(cast["editor"]) == 1


def test_a_thank_you_note(client, cast):
    editor = share_messages(cast["editor"])
    client.force_login(cast["owner"])
    form = client.get(reverse("coordination:thread-create", args=[cast["child"].uuid]))
    assert "let them know" in form.content.decode()
    start(client, cast, [editor], thank_you="on", subject="Thank you", body="You were great.")
    thread = Thread.objects.get()
    assert thread.kind == Thread.Kind.THANK_YOU and thread.is_thank_you
    listing = client.get(reverse("coordination:thread-list", args=[cast["child"].uuid]))
    assert "thank-you note" in listing.content.decode()


def test_a_team_member_without_the_messages_scope_gets_404(client, cast):
    editor = share_messages(cast["editor"])
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Hello",
        kind="message",
        participants=[editor],
        body="Hi",
    )
    # The viewer is even a participant, but their grant does not share messages.
    thread.participants.add(CareTeamMember.objects.get(user=cast["viewer"]))
    client.force_login(cast["viewer"])
    child = cast["child"].uuid
    assert client.get(reverse("coordination:thread-list", args=[child])).status_code == 404
    assert client.get(thread_url(thread)).status_code == 404
    assert (
        client.post(thread_url(thread, "coordination:message-add"), {"body": "x"}).status_code
        == 404
    )
    assert "Hello" not in client.get(reverse("coordination:my-messages")).content.decode()


def test_a_team_member_who_is_not_a_participant_sees_nothing(client, cast):
    editor = share_messages(cast["editor"])
    share_messages(cast["viewer"])
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Private to the editor",
        kind="message",
        participants=[editor],
        body="Hi",
    )
    client.force_login(cast["viewer"])
    child = cast["child"].uuid
    listing = client.get(reverse("coordination:thread-list", args=[child]))
    assert listing.status_code == 200 and "Private to the editor" not in listing.content.decode()
    assert (
        "Private to the editor"
        not in client.get(reverse("coordination:my-messages")).content.decode()
    )
    assert client.get(thread_url(thread)).status_code == 404
    assert (
        client.post(thread_url(thread, "coordination:message-add"), {"body": "x"}).status_code
        == 404
    )
    assert services.unread_total(cast["viewer"]) == 0
    assert thread.messages.count() == 1


def test_practice_staff_see_no_threads_even_with_the_messages_scope(client, cast):
    editor = share_messages(cast["editor"])
    enrollment = cast["child"].enrollments.get()
    enrollment.scopes = scopes_to_text(["summary", "messages"])
    enrollment.save()
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Hello",
        kind="message",
        participants=[editor],
        body="Hi",
    )
    client.force_login(cast["coordinator"])
    listing = client.get(reverse("coordination:thread-list", args=[cast["child"].uuid]))
    assert listing.status_code == 200 and "Hello" not in listing.content.decode()
    assert client.get(thread_url(thread)).status_code == 404


def test_a_caregiver_who_shares_messages_sees_every_thread(client, cast):
    editor = share_messages(cast["editor"])
    Guardianship.objects.filter(user=cast["caregiver"]).update(
        scopes=scopes_to_text(["summary", "messages"])
    )
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Hello",
        kind="message",
        participants=[editor],
        body="Hi",
    )
    assert services.unread_total(cast["caregiver"]) == 1
    client.force_login(cast["caregiver"])
    assert client.get(thread_url(thread)).status_code == 200
    assert services.unread_total(cast["caregiver"]) == 0


def test_editor_with_messages_starts_threads_and_read_only_participants_reply(client, cast):
    share_messages(cast["editor"])
    viewer = share_messages(cast["viewer"])
    child = cast["child"]
    client.force_login(cast["editor"])
    for name in ("coordination:thread-list", "coordination:thread-create"):
        assert client.get(reverse(name, args=[child.uuid])).status_code == 200
    assert start(client, cast, [viewer]).status_code == 302
    thread = Thread.objects.get()
    # The writer joins the thread, so they keep seeing it.
    assert set(thread.participants.values_list("user", flat=True)) == {
        cast["editor"].pk,
        cast["viewer"].pk,
    }
    assert client.get(thread_url(thread)).status_code == 200
    assert (
        client.post(thread_url(thread, "coordination:message-add"), {"body": "More"}).status_code
        == 302
    )

    client.force_login(cast["viewer"])
    assert client.get(reverse("coordination:thread-create", args=[child.uuid])).status_code == 403
    assert client.get(thread_url(thread)).status_code == 200
    response = client.post(thread_url(thread, "coordination:message-add"), {"body": "Thanks"})
    assert response.status_code == 302
    assert thread.messages.last().author == cast["viewer"]


def test_an_empty_reply_shows_the_error(client, cast):
    editor = share_messages(cast["editor"])
    thread = services.thread_create(
        actor=cast["owner"],
        child=cast["child"],
        subject="Hello",
        kind="message",
        participants=[editor],
        body="Hi",
    )
    client.force_login(cast["owner"])
    response = client.post(thread_url(thread, "coordination:message-add"), {"body": ""})
    assert response.status_code == 200 and "Write your reply first" in response.content.decode()
    assert thread.messages.count() == 1


def test_cannot_write_to_another_childs_team_or_someone_without_an_account(client, cast):
    other = CareTeamMember.objects.create(
        child=cast["other_child"],
        name="Their doctor",
        role="pcp",
        user=cast["editor"],
        scopes=",messages,",
    )
    no_account = CareTeamMember.objects.create(
        child=cast["child"], name="No account", role="pcp", scopes=",messages,"
    )
    client.force_login(cast["owner"])
    for member in (other, no_account):
        response = start(client, cast, [member])
        assert response.status_code == 200
    assert not Thread.objects.exists()


def test_notification_email_once_per_person_without_health_details(
    client, cast, django_capture_on_commit_callbacks
):
    editor = share_messages(cast["editor"])
    viewer = share_messages(cast["viewer"])
    cast["viewer"].language = "es"
    cast["viewer"].save()
    client.force_login(cast["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        start(client, cast, [editor, viewer], subject="Seizure diary", body="Keppra twice a day")
    thread = Thread.objects.get()
    assert sorted(m.to[0] for m in mail.outbox) == ["editor@example.org", "viewer@example.org"]
    # A team member writes: the other participant and the owners are told, not the writer.
    mail.outbox.clear()
    client.force_login(cast["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(thread_url(thread, "coordination:message-add"), {"body": "Lower the dose"})
    assert sorted(m.to[0] for m in mail.outbox) == ["owner@example.org", "viewer@example.org"]
    for email in mail.outbox:
        text = email.subject + email.body
        for secret in ("Maya", "Rivera", "Seizure diary", "Keppra", "Lower the dose"):
            assert secret not in text
        assert thread_url(thread) in email.body
    # A revoked grant gets no more email.
    CareTeamMember.objects.filter(pk=viewer.pk).update(revoked_at=timezone.now())
    mail.outbox.clear()
    client.force_login(cast["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(thread_url(thread, "coordination:message-add"), {"body": "Thanks"})
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]


def test_message_list_queries_do_not_grow_with_threads(client, cast):
    editor = share_messages(cast["editor"])
    client.force_login(cast["owner"])

    def make(n: int) -> None:
        for i in range(n):
            services.thread_create(
                actor=cast["owner"],
                child=cast["child"],
                subject=f"T{i}",
                kind="message",
                participants=[editor],
                body="Hi",
            )

    urls = [
        reverse("coordination:thread-list", args=[cast["child"].uuid]),
        reverse("coordination:my-messages"),
    ]
    make(1)
    counts = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
    make(5)
    for url, count in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) == count, url
    assert Message.objects.count() == 6
