"""Signed webhooks: signing (:mod:`.signing`), delivery attempts (:mod:`.delivery`), outbound
network rule (:mod:`.net`)."""
