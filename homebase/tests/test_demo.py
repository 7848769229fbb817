from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from children import access
from children.models import Child
from homebase.demo import PASSWORD


def test_load_demo_is_idempotent_and_prints_the_sign_ins(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert Child.objects.count() == 1
    assert "Demo family already loaded" in out.getvalue()
    assert "parent@demo.homebase.test" in out.getvalue()


def test_demo_cast_sees_what_the_readme_says(client, db):
    call_command("load_demo", stdout=StringIO())
    maya = Child.objects.get()
    assert maya.medications.count() >= 10 and maya.team.count() >= 10
    assert access.can(User.objects.get(email="coparent@demo.homebase.test"), "sharing.manage", maya)
    pcp = User.objects.get(email="pcp@demo.homebase.test")
    assert access.can(pcp, "health.view", maya) and not access.can(pcp, "coverage.view", maya)
    assert not access.can(pcp, "health.edit", maya)
    assert access.can(User.objects.get(email="coordinator@demo.homebase.test"), "plan.view", maya)
    assert not access.visible_children(
        User.objects.get(email="stranger@demo.homebase.test")
    ).exists()
    assert not access.visible_children(
        User.objects.get(email="operator@demo.homebase.test")
    ).exists()
    assert client.login(username="parent@demo.homebase.test", password=PASSWORD) or client.login(
        email="parent@demo.homebase.test", password=PASSWORD
    )
    page = client.get(reverse("children:overview", args=[maya.uuid])).content.decode()
    assert "Latex" in page and "(555) 300-1999" in page and "must be renewed" in page
