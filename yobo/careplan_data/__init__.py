"""ケアプランデータ連携: the MHLW standard CSV for 介護予防 (利用者基本情報 and 介護予防サービス・
支援計画書 with their 別表 and 削除 files), exported from and imported into a casebook.

``v202407`` holds the spec's item tables (one module a CSV version); ``fields`` says
where each item lives in yobo; ``codec`` and ``csvfile`` write and read the values and
files; ``export`` and ``importer`` are the two directions.
"""
