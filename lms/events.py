"""Domain events that other packages react to, without the sender knowing who listens.

`progress_made` is sent when something that can complete a cycle happened to a learner:
a module done (a passed quiz marks its module done), or attendance recorded. Receivers run in
the sender's transaction; the caller of the sending service commits.

`cycle_published` is sent with the cycle (as sender) and `now` when a cycle is published.
"""
from blinker import Namespace

_signals = Namespace()

progress_made = _signals.signal("progress-made")
cycle_published = _signals.signal("cycle-published")
