"""After step 10, around CKAN: who reads a provisioned dataset (permission
labels), what a change to its data does to its checking (package, resource
and DataStore hooks), and who is told by e-mail.

The rules themselves are :mod:`workflow.checking`; the actions are
:mod:`logic.action.checking`; what the OPD may not do is
:mod:`logic.dataset_guard`.
"""
