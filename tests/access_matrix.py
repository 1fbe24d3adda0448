"""The access matrix of a lifecycle's transitions: anonymous → login, wrong role → 403, right role
on another organization's object → 404, the right user → done; each as GET (the form) and POST."""

import pytest

ANON = "anonymous"
LOGIN = "login"  # redirected to /accounts/login/?next=…


def transition_params(transitions):
    """pytest params (name, setup, method, who, expected, data, target) for a table of rows
    (name, setup state, right user, POST data, target state, wrong-role users, outsiders)."""
    for name, setup, right, data, target, wrong_roles, outsiders in transitions:
        outcomes = {
            ANON: LOGIN,
            right: "ok",
            **dict.fromkeys(wrong_roles, 403),
            **dict.fromkeys(outsiders, 404),
        }
        for method in ("GET", "POST"):
            for who, expected in outcomes.items():
                yield pytest.param(
                    name,
                    setup,
                    method,
                    who,
                    expected,
                    data,
                    target,
                    id=f"{name}-{setup}-{method}-{who}-{expected}",
                )
