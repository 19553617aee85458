"""``check``: the paper's assumptions tested on a user's embeddings, an application beside the results.

The wing, one module per job: :mod:`.rules` (the assumptions as one declared list of rules: statistic,
null, verdict rule, the paper's reference), :mod:`.check` (the passes over the rows that gather each rule's
evidence, and the public :func:`~infonce_gauss.encoder_check.check.check`), :mod:`.result` (what it returns),
:mod:`.embeddings` (reading embedding files lazily and safely), :mod:`.streaming` and
:mod:`.torch_backend` (the passes in NumPy and on a torch device), :mod:`.calibration` (the cached null
rates), :mod:`.report` and :mod:`.plots` (what ``save`` writes).
"""
