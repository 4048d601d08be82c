"""Detection: heuristics that turn an indicator into named signals, a score and a verdict.

Pure code (no I/O). `Detector` is the seam the services use; `combine` is the one place where
signals become a score and a verdict.
"""

from antifraud.detection.detector import DetectionSettings, Detector
from antifraud.detection.reports import report_signals
from antifraud.detection.scoring import Thresholds, combine

__all__ = ["DetectionSettings", "Detector", "Thresholds", "combine", "report_signals"]
