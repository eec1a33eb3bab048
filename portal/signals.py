"""What the kernel asks of the areas, without importing them (blinker signals).

Each area connects its receivers in its init_app; a receiver returns its answer, the kernel
gathers the answers. Receivers are called in no set order: where order matters the answer says
which area it comes from, and the kernel follows `portal.AREAS`.

- `home_sections` (sender: the user, `now=`): the home page's sections an area brings, as
  {section name: {key: value}}; the sections of several receivers are merged by name.
- `call_dossier_counts` (sender: None, `call_ids=` or None for all): {call id: number of
  dossiers submitted and not withdrawn}, for the calls' list.
- `todo_items` (sender: the user, `now=`): what waits for that person, as a list of dicts
  {"kind": str, "label": str (French, what to do), "url": str, "due": aware datetime or None,
  "count": int (default 1)}; the kernel sorts them by due date and shows them on top of the
  home ("À faire") and in the API. Each receiver answers in a constant number of queries.
- `due_reminders` (sender: None, `now=`): the reminders due now, as a list of dicts
  {"kind": str, "object_id": int, "occasion": str (e.g. "J-7"), "users": [User], "subject": str,
  "body": str}; the kernel (portal/jobs/reminders.py, run by Celery beat or `flask
  send-reminders`) sends each (kind, object, recipient, occasion) once and never twice. A
  receiver may answer a reminder already sent: the kernel skips it. Constant number of queries.
- `call_draft_establishments` (sender: the call): the ids of the establishments that have a
  draft for that call (a set), e.g. to tell them the deadline was extended.
- `call_duplication_parts` (sender: the call to copy): what each area would copy of it for the
  next school year, as a list of {"key": str, "label": str (French), "confirm": bool}; parts with
  `confirm` (envelopes' amounts, reviewers and co-pilots) are copied only when the call
  administrator ticks them on the duplication form.
- `call_duplicated` (sender: the new draft call, `source=` the call copied, `user=`, `parts=` the
  set of ticked keys): each area copies its parts through its own services (the `confirm` ones
  only when ticked) and answers the labels of what it copied.
- `reference_in_use` (sender: a Theme, PartnerKind or CallIndicator): how many rows of the area
  use it (an int; 0 or None: none), so the kernel never deletes a reference still in use.
- `account_links` (sender: the user): what an area offers on the person's account page, as a list
  of {"title": str, "text": str, "url": str, "label": str} (French), e.g. a subscription.
- `demo_loading` (sender: None, `users=`, `password_hash=`, `now=`, `call=`, `establishments=`,
  `axes=`, `pdf=`): (area name, step) where step() adds the area's demo data through its own
  services; the kernel runs the steps in the areas' order.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

home_sections = _signals.signal("home-sections")
call_dossier_counts = _signals.signal("call-dossier-counts")
todo_items = _signals.signal("todo-items")
due_reminders = _signals.signal("due-reminders")
call_draft_establishments = _signals.signal("call-draft-establishments")
call_duplication_parts = _signals.signal("call-duplication-parts")
call_duplicated = _signals.signal("call-duplicated")
reference_in_use = _signals.signal("reference-in-use")
demo_loading = _signals.signal("demo-loading")
account_links = _signals.signal("account-links")


def answers(signal, sender=None, **kwargs) -> list:
    """The non-empty values every receiver returned."""
    return [value for _, value in signal.send(sender, **kwargs) if value]
