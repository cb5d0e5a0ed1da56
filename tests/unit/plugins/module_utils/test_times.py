# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.times import parse_iso_time


def test_iso_times_of_tokens_and_images():
    assert parse_iso_time("2014-11-24T22:05:39.115Z") == 1416866739
    assert parse_iso_time("2014-11-24T22:05:39Z") == 1416866739
    assert parse_iso_time("2014-11-24T23:05:39+01:00") == 1416866739
    assert parse_iso_time("2014-11-24T22:05:39.000000") == 1416866739
    assert parse_iso_time("tomorrow") is None
