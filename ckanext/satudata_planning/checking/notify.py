"""Who is told by e-mail when a dataset's checking moves (CKAN's mailer,
the site's language; see :mod:`mail`):

* submitted: the Walidata (editors and admins of its organization);
* returned or accepted: the OPD's Produsen Data (editors and admins of the
  dataset's organization).

Each call returns :class:`mail.Sent`; its ``failed`` lines are plain
sentences the screen shows.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model

from ckanext.satudata_planning import config, mail
from ckanext.satudata_planning.model import CheckStatus
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.workflow.checking import Provisioned

TEMPLATES = "satudata/emails/"


def _variables(prov: Provisioned, catatan: Optional[str], actor: Optional[str]
               ) -> dict[str, Any]:
    site = config.site_url()
    lang = "en" if mail.mail_locale().startswith("en") else "id"
    return {
        "kode_data": prov.kode_data,
        "title": prov.title,
        "organization": prov.organization_title,
        "catatan": catatan or "",
        "actor": actor or "",
        "sifat_akses": vocabularies.label("sifat_akses", prov.sifat_akses, lang)
        if prov.sifat_akses else "",
        "dataset_link": f"{site}/dataset/{prov.name}",
        "check_link": f"{site}/perencanaan/{prov.tahun}/periksa/{prov.name}",
        "site_title": config.site_title(),
    }


def _actor(user_id: Optional[str]) -> Optional[str]:
    user = model.User.get(user_id) if user_id else None
    return user.display_name if user else None


def submitted(prov: Provisioned, *, catatan: Optional[str],
              user_id: Optional[str]) -> mail.Sent:
    """To the Walidata: a dataset waits in its queue."""
    walidata = model.Group.get(config.walidata_org())
    users = mail.members([walidata.id] if walidata else [])
    subject, body = mail.render(
        TEMPLATES + "dataset_submitted_subject.txt",
        TEMPLATES + "dataset_submitted.txt",
        _variables(prov, catatan, _actor(user_id)),
    )
    return mail.send_each(users, subject, body)


def decided(prov: Provisioned, status: CheckStatus, *, catatan: Optional[str],
            public: bool, user_id: Optional[str]) -> mail.Sent:
    """To the OPD's Produsen Data: its dataset was returned or accepted."""
    users = mail.members([prov.owner_org] if prov.owner_org else [])
    variables = {**_variables(prov, catatan, _actor(user_id)), "public": public,
                 "accepted": status is CheckStatus.DITERIMA}
    subject, body = mail.render(
        TEMPLATES + "dataset_decided_subject.txt",
        TEMPLATES + "dataset_decided.txt",
        variables,
    )
    return mail.send_each(users, subject, body)
