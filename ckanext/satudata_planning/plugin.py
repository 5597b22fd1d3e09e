"""The ``satudata_planning`` plugin: the SOP "Perencanaan Data" inside CKAN.

It stays thin: each hook hands over to the module that owns the work.
"""
from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

import ckanext.satudata_planning.model  # noqa: F401  (maps the satudata_ tables)


def _actions() -> dict[str, Any]:
    """The ``satudata_*`` actions, and the DataStore's chained ones when the
    ``datastore`` plugin is loaded (asked once every plugin is)."""
    from ckanext.satudata_planning.checking import hooks
    from ckanext.satudata_planning.logic import action
    from ckanext.satudata_planning.tables import errors

    return {
        **{name: getattr(action, name) for name in action.__all__},
        # the checking's chained DataStore actions, refusals in Indonesian
        **errors.datastore_actions(hooks.datastore_actions()),
    }


def _portal_defaults(config: Any) -> None:
    """The portal's identity where the site keeps CKAN's defaults, and "Tugas
    saya" as the page after login (options and defaults: config_declaration)."""
    from ckanext.satudata_planning import config as options

    def ours(key: str) -> str:
        return str(config.get(options.PREFIX + key) or "")

    if config.get("ckan.site_title") in (None, "", options.CKAN_DEFAULT_TITLE):
        config["ckan.site_title"] = ours("site_title")
    if config.get("ckan.site_logo") in (None, options.CKAN_DEFAULT_LOGO):
        config["ckan.site_logo"] = ours("logo")
    if (tk.asbool(ours("tasks_after_login"))
            and config.get("ckan.auth.route_after_login")
            in (None, options.CKAN_DEFAULT_ROUTE_AFTER_LOGIN)):
        config["ckan.auth.route_after_login"] = "satudata_planning.tasks"


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions(_actions)
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
class SatudataPlanningPlugin(p.SingletonPlugin, DefaultTranslation):
    """Planning cycle, Daftar Data, forum and SK documents, provisioning,
    and the checking and publication of the datasets after step 10."""

    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.ISignal)

    # IMiddleware: close CKAN 2.12's CSRF exemption hole for session users.
    def make_middleware(self, app: Any, config: Any) -> Any:
        from ckanext.satudata_planning.views import csrf as csrf_guard

        if hasattr(app, "before_request"):
            csrf_guard.install(app)
        return app

    # IPermissionLabels: the Walidata and the Pembina read provisioned datasets
    def get_dataset_labels(self, dataset_obj: Any) -> list[str]:
        from ckanext.satudata_planning.checking import labels

        return labels.dataset_labels(dataset_obj)

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        from ckanext.satudata_planning.checking import labels

        return labels.user_labels(user_obj)

    # IPackageController: step 10 indexes its new datasets inside
    # package_create (see provisioning.batch)
    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        from ckanext.satudata_planning.provisioning import batch

        batch.index_in_action(context, pkg_dict["id"])

    # IPackageController: a change to a provisioned dataset's data (its
    # resources all pass package_update) moves its checking status
    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        from ckanext.satudata_planning.checking import hooks

        hooks.after_dataset_update(context, pkg_dict)

    # ISignal: step 10's committed batches get their data tables
    def get_signal_subscriptions(self) -> dict[Any, Any]:
        from ckanext.satudata_planning.tables import ensure

        return {tk.signals.ckanext.signal(ensure.SIGNAL): [ensure.on_provisioned]}

    # IConfigurer
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        tk.add_resource("assets", "satudata_planning")
        _portal_defaults(config)

    # ITranslation: DefaultTranslation derives the domain from ``name``,
    # which is the entry-point name; the catalogue is named for the
    # distribution instead.
    def i18n_domain(self) -> str:
        return "ckanext-satudata_planning"

    def i18n_directory(self) -> str:
        return os.path.join(os.path.dirname(__file__), "i18n")
