"""The run on a Ray cluster (``newsclean IN OUT --engine ray``, extra ``newsclean[ray]``): the same outputs as
the local engine, byte for byte, with every stage in cluster tasks (:mod:`newsclean.distributed.engine`).

Nothing here is imported by the local engine, and Ray is imported only when a run asks for it.
"""
