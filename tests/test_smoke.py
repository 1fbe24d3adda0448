def test_seeded_state_walk_reaches_approved(make_application):
    app = make_application("approved")
    assert app.state == "approved"
    assert app.center.cycles.get().is_current
