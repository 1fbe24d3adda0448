from notifications import sweeps


@sweeps.register("notices without their PDF")
def rerender(today) -> int:
    """Queue the rendering of every issued notice that has no archived PDF yet."""
    from .tasks import sweep_unrendered_notices

    return sweep_unrendered_notices()
