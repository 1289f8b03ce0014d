"""Shipped data tables of ``substitute`` (installed as ``substitute.datasets``). Read them with
:mod:`substitute.data`, never directly."""
