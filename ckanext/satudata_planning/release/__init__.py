"""After step 10: the release calendar (jadwal rilis) of the agreed rows.

* :mod:`.schedule`: each row's release status against today (working days
  from :mod:`sop.working_days`), the one query the calendar, its page, its
  feeds and the reminders read;
* :mod:`.ics`: the iCalendar feed;
* :mod:`.remind`: the reminders by e-mail, recorded so none goes twice, and
  the daily job of the jobs worker's scheduler.
"""
