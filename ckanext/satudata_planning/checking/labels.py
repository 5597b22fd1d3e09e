"""Read access to the datasets made in step 10: CKAN's permission labels.

CKAN decides who reads a dataset by matching the dataset's labels with the
user's, in ``package_show``, ``package_search`` (with ``include_private``),
the organization pages and the DataStore (through ``resource_show``), so
all of them agree. To CKAN's own labels (``public``, ``member-<org>``, …)
this adds one: a private dataset of the Daftar Data carries
:data:`CHECKER`, and so do the Walidata and the Pembina Data, who read
every one of them. Members of other OPDs still see nothing private.

The label follows the ``satudata_item_id`` field step 10 writes (no query):
a dataset carries it from its creation on, in ``package_create``'s own index
row and activity as in step 10's bulk path. A dataset its OPD tags with a
row id by hand only opens itself to the checkers' reading; what locks a
dataset and what the checking lists is the row's own link to it
(:func:`workflow.checking.provisioned`).

A dataset's labels are stored in the search index when it is indexed: a
portal that had provisioned datasets before this plugin version must
rebuild its index (``ckan search-index rebuild``).
"""
from __future__ import annotations

from typing import Any

from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.satudata_planning.sop import Actor
from ckanext.satudata_planning.sop.roles import roles_for
from ckanext.satudata_planning.workflow import checking

#: the label shared by the provisioned private datasets and their checkers
CHECKER = "satudata-pemeriksa"
#: the actors who read every provisioned dataset
READERS = frozenset({Actor.WALIDATA, Actor.PEMBINA})

_default = DefaultPermissionLabels()


def dataset_labels(dataset: Any) -> list[str]:
    """CKAN's labels of ``dataset`` (a ``model.Package``), and :data:`CHECKER`
    when it names a Daftar Data row and is not public."""
    labels = _default.get_dataset_labels(dataset)
    if "public" not in labels and checking.is_provisioned(dataset):
        labels.append(CHECKER)
    return labels


def user_labels(user: Any) -> list[str]:
    """CKAN's labels of ``user``, and :data:`CHECKER` for the Walidata and
    the Pembina Data (editors or admins of their organizations)."""
    labels = _default.get_user_dataset_labels(user)
    if not user or getattr(user, "is_anonymous", False):
        return labels
    roles = roles_for(user.id)
    if roles.actors & READERS:
        labels.append(CHECKER)
    return labels
