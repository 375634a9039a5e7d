"""Utilisation rules: when a job is over-provisioned, the resize its observed peak allows and what
it saves, autoscaling never exercised or at its ceiling, all-purpose runs cheaper on job compute,
and why a job cannot be measured, without I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest

from job_monitor.backend.domain.utilization import (
    ClusterShape,
    FindingKind,
    MeasuredUtilization,
    NodeType,
    OverProvisioningThresholds,
    PercentSpread,
    RecommendationKind,
    SharedClusterUse,
    UnmeasurableReason,
    UnmeasuredUtilization,
    UtilizationFacts,
    WorkerLoad,
    assess,
    at_autoscale_ceiling,
    autoscaling_never_exercised,
    cheaper_on_job_compute,
    is_underused,
    lists_as_over_provisioned,
    needed_workers,
    over_provisioning,
    per_month,
    smaller_node_type,
)
from job_monitor.backend.domain.windows import Window

THRESHOLDS = OverProvisioningThresholds()
XLARGE = NodeType("m5.xlarge", cores=4, memory_mb=16384, gpus=0)
LARGE = NodeType("m5.large", cores=2, memory_mb=8192, gpus=0)
COMPUTE_LARGE = NodeType("c5.large", cores=2, memory_mb=4096, gpus=0)
GPU_LARGE = NodeType("g5.large", cores=2, memory_mb=8192, gpus=1)
NODE_TYPES = {node.node_type: node for node in (XLARGE, LARGE, COMPUTE_LARGE, GPU_LARGE)}
SPREAD = PercentSpread(p50=20.0, p90=30.0, peak=35.0)
FIXED_EIGHT = ClusterShape("m5.xlarge", "m5.xlarge", workers=8, min_workers=None, max_workers=None)
AUTOSCALING = ClusterShape("m5.xlarge", "m5.xlarge", workers=None, min_workers=4, max_workers=10)


def load(**changes: object) -> WorkerLoad:
    base = WorkerLoad(
        minutes=100,
        peak_cpu_percent=30.0,
        peak_memory_percent=35.0,
        peak_busy_workers=2.0,
        peak_memory_workers=2.2,
        average_workers=8.0,
        most_workers=8,
        minutes_at_minimum=0,
        minutes_at_maximum=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def facts(**changes: object) -> UtilizationFacts:
    base = UtilizationFacts(
        job_id=1,
        runs=5,
        serverless_runs=0,
        shared_cluster_runs=0,
        runs_observed=5,
        minutes_observed=120,
        first_observed_at=None,
        driver_cpu=SPREAD,
        driver_memory=SPREAD,
        worker_cpu=SPREAD,
        worker_memory=SPREAD,
        worker_minutes=100,
        underused_minutes=90,
        cluster=FIXED_EIGHT,
        load=load(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_job_is_underused_when_idle_for_more_than_the_share_of_its_minutes() -> None:
    # given thresholds of more than half the worker minutes over at least 3 runs (the defaults)
    # when the share of idle minutes is just over, exactly at and under half
    # then only more than half counts
    assert is_underused(facts(underused_minutes=51), THRESHOLDS)
    assert not is_underused(facts(underused_minutes=50), THRESHOLDS)
    assert not is_underused(facts(underused_minutes=10), THRESHOLDS)


def test_too_few_runs_or_no_worker_minutes_are_not_judged() -> None:
    # given a mostly idle job seen over two runs, and one without workers
    # then neither is underused
    assert not is_underused(facts(runs_observed=2), THRESHOLDS)
    assert not is_underused(facts(worker_minutes=0, underused_minutes=0), THRESHOLDS)
    assert facts(worker_minutes=0, underused_minutes=0).underused_minute_share is None


def test_needed_workers_carry_the_peak_cpu_in_full_and_its_memory_at_80_percent() -> None:
    # given peaks of busy workers and of memory used, in whole workers
    # then the fewest workers that run the CPU peak at most full and the memory peak at most 80 %
    # (at least one)
    assert needed_workers(load(peak_busy_workers=2.0, peak_memory_workers=0.1)) == 2
    assert needed_workers(load(peak_busy_workers=1.6, peak_memory_workers=0.5)) == 2
    assert needed_workers(load(peak_busy_workers=1.0, peak_memory_workers=0.9)) == 2
    assert needed_workers(load(peak_busy_workers=2.0, peak_memory_workers=2.2)) == 3
    assert needed_workers(load(peak_busy_workers=0.1, peak_memory_workers=0.1)) == 1


def test_the_smaller_node_type_is_the_smallest_that_fits_with_as_many_gpus() -> None:
    # given workers whose busiest minute used 30 % of the CPU and 35 % of the memory of 4 cores
    # and 16 GiB: 1.2 cores in full, and 7 GiB at 80 %
    found = smaller_node_type(XLARGE, load(), NODE_TYPES.values())

    # then the 2-core type with 8 GiB, not the one with 4 GiB nor the GPU one
    assert found == LARGE


def test_no_smaller_node_type_when_the_peak_needs_the_current_one() -> None:
    # given a busiest minute at 70 % of 4 cores: 2.8 cores
    # then nothing smaller fits
    assert smaller_node_type(XLARGE, load(peak_cpu_percent=70.0), NODE_TYPES.values()) is None


def test_a_fixed_size_cluster_is_told_fewer_workers_with_the_saving() -> None:
    # given an idle job on 8 m5.xlarge workers whose peak needs 3, spending $360 in 30 days
    finding = over_provisioning(facts(), THRESHOLDS, NODE_TYPES, 360.0, Window.LAST_30_DAYS)

    # then 3 workers: 5 of the 36 cores' worth of 4 removed, 20/36 of the spend saved a month
    assert finding is not None
    assert finding.kind is FindingKind.OVER_PROVISIONED
    assert finding.recommendation.kind is RecommendationKind.FEWER_WORKERS
    assert finding.recommendation.workers == 3
    assert finding.estimated_monthly_saving_usd == pytest.approx(360.0 * 20 / 36)
    assert "Run 3 workers instead of 8" in finding.recommendation.summary
    assert "$200 a month" in finding.recommendation.summary


def test_a_single_worker_is_told_a_smaller_node_type() -> None:
    # given an idle job on one m5.xlarge worker (and an m5.xlarge driver), $70 over 7 days
    single = replace(FIXED_EIGHT, workers=1)
    idle = facts(cluster=single, load=load(average_workers=1.0, peak_busy_workers=0.3))
    finding = over_provisioning(idle, THRESHOLDS, NODE_TYPES, 70.0, Window.LAST_7_DAYS)

    # then m5.large workers: 2 of its 8 cores removed, a quarter of $300 a month
    assert finding is not None
    assert finding.recommendation.kind is RecommendationKind.SMALLER_NODE_TYPE
    assert finding.recommendation.node_type == "m5.large"
    assert finding.estimated_monthly_saving_usd == pytest.approx(300.0 / 4)


def test_an_autoscaling_cluster_is_told_a_lower_minimum_weighed_by_its_minutes_there() -> None:
    # given an idle job autoscaling 4 to 10, at its minimum 80 of 100 minutes, about 4.5 workers,
    # whose peak needs 2, and no smaller node type available
    idle = facts(
        cluster=AUTOSCALING,
        load=load(
            average_workers=4.5,
            most_workers=6,
            minutes_at_minimum=80,
            peak_busy_workers=1.5,
            peak_memory_workers=1.2,
        ),
    )
    finding = over_provisioning(idle, THRESHOLDS, {"m5.xlarge": XLARGE}, 300.0, Window.LAST_30_DAYS)

    # then a minimum of 2: 2 workers' cores for 80 % of the time, of 4 + 4.5 x 4 cores
    assert finding is not None
    assert finding.recommendation.kind is RecommendationKind.LOWER_AUTOSCALE_MINIMUM
    assert (finding.recommendation.min_workers, finding.recommendation.max_workers) == (2, 10)
    assert finding.estimated_monthly_saving_usd == pytest.approx(300.0 * (2 * 4 * 0.8) / 22)


def test_the_resize_saving_more_is_recommended() -> None:
    # given the same autoscaling job with m5.large available: 4.5 x 2 cores saved beats 6.4
    idle = facts(
        cluster=AUTOSCALING,
        load=load(
            average_workers=4.5,
            most_workers=6,
            minutes_at_minimum=80,
            peak_busy_workers=1.5,
            peak_memory_workers=1.2,
        ),
    )
    finding = over_provisioning(idle, THRESHOLDS, NODE_TYPES, 300.0, Window.LAST_30_DAYS)

    # then the smaller node type
    assert finding is not None
    assert finding.recommendation.kind is RecommendationKind.SMALLER_NODE_TYPE
    assert finding.estimated_monthly_saving_usd == pytest.approx(300.0 * 9 / 22)


def test_without_node_sizes_every_node_weighs_the_same() -> None:
    # given node types the account no longer lists
    finding = over_provisioning(facts(), THRESHOLDS, {}, 360.0, Window.LAST_30_DAYS)

    # then fewer workers saves 5 of 9 nodes
    assert finding is not None
    assert finding.recommendation.kind is RecommendationKind.FEWER_WORKERS
    assert finding.estimated_monthly_saving_usd == pytest.approx(360.0 * 5 / 9)


def test_no_over_provisioning_flag_for_a_busy_job_or_without_a_smaller_fit() -> None:
    # given a busy job, and an idle one whose single worker is already the smallest type
    single_large = ClusterShape("m5.large", "m5.large", 1, None, None)
    smallest = facts(cluster=single_large, load=load(average_workers=1.0, peak_busy_workers=0.3))

    # then neither is flagged
    busy = facts(underused_minutes=10)
    assert over_provisioning(busy, THRESHOLDS, NODE_TYPES, 360.0, Window.LAST_30_DAYS) is None
    assert over_provisioning(smallest, THRESHOLDS, NODE_TYPES, 360.0, Window.LAST_30_DAYS) is None


def test_autoscaling_never_above_its_minimum_is_flagged_without_a_saving() -> None:
    # given autoscaling 4 to 10 that never had more than 4 workers over 5 runs
    never = facts(cluster=AUTOSCALING, load=load(most_workers=4, minutes_at_minimum=100))
    finding = autoscaling_never_exercised(never, THRESHOLDS)

    # then a fixed size of 4, saving nothing by itself
    assert finding is not None
    assert finding.kind is FindingKind.AUTOSCALING_NEVER_EXERCISED
    assert finding.recommendation.kind is RecommendationKind.FIXED_SIZE
    assert finding.recommendation.workers == 4
    assert finding.estimated_monthly_saving_usd is None
    # and not once it scaled, nor for a fixed size
    assert autoscaling_never_exercised(facts(cluster=AUTOSCALING), THRESHOLDS) is None
    assert autoscaling_never_exercised(facts(), THRESHOLDS) is None


def test_autoscaling_at_its_maximum_half_the_time_is_a_resize_candidate() -> None:
    # given autoscaling 4 to 10 at 10 workers for 50 of 100 minutes, and for 49
    at_ceiling = facts(cluster=AUTOSCALING, load=load(minutes_at_maximum=50))
    below = facts(cluster=AUTOSCALING, load=load(minutes_at_maximum=49))

    # then the first is told a higher maximum (half as much again), the second nothing
    finding = at_autoscale_ceiling(at_ceiling, THRESHOLDS)
    assert finding is not None
    assert finding.kind is FindingKind.AT_AUTOSCALE_CEILING
    assert finding.recommendation.kind is RecommendationKind.HIGHER_AUTOSCALE_MAXIMUM
    assert finding.recommendation.max_workers == 15
    assert finding.estimated_monthly_saving_usd is None
    assert at_autoscale_ceiling(below, THRESHOLDS) is None


def test_all_purpose_hours_cheaper_on_job_compute_save_the_difference_per_month() -> None:
    # given 12 hours on an all-purpose cluster over 7 days: $66 there, $18 on job compute
    use = SharedClusterUse(1, ("0412-ap",), 12.0, all_purpose_usd=66.0, job_compute_usd=18.0)
    finding = cheaper_on_job_compute(use, Window.LAST_7_DAYS)

    # then $48 a week, at that pace over 30 days
    assert finding is not None
    assert finding.kind is FindingKind.CHEAPER_ON_JOB_COMPUTE
    assert finding.recommendation.kind is RecommendationKind.JOB_COMPUTE
    assert finding.estimated_monthly_saving_usd == pytest.approx(48.0 * 30 / 7)
    assert "0412-ap" in finding.recommendation.summary


def test_no_job_compute_finding_without_prices_or_a_saving() -> None:
    # given a cluster without priced usage, and one cheaper as it is
    unpriced = SharedClusterUse(1, ("ap",), 12.0, all_purpose_usd=None, job_compute_usd=None)
    dearer = SharedClusterUse(1, ("ap",), 12.0, all_purpose_usd=10.0, job_compute_usd=12.0)

    # then no finding
    assert cheaper_on_job_compute(unpriced, Window.LAST_7_DAYS) is None
    assert cheaper_on_job_compute(dearer, Window.LAST_7_DAYS) is None


@pytest.mark.parametrize(
    ("serverless", "shared", "reason"),
    [
        (3, 0, UnmeasurableReason.SERVERLESS),
        (3, 1, UnmeasurableReason.SHARED_CLUSTER),
        (0, 0, UnmeasurableReason.NO_DATA),
    ],
)
def test_a_job_without_node_data_says_why(
    serverless: int, shared: int, reason: UnmeasurableReason
) -> None:
    # given runs in the window without any measured minute
    unmeasured = facts(
        serverless_runs=serverless,
        shared_cluster_runs=shared,
        runs_observed=0,
        minutes_observed=0,
        cluster=None,
        load=None,
    )

    # when assessed
    found = assess(
        1,
        Window.LAST_7_DAYS,
        unmeasured,
        None,
        thresholds=THRESHOLDS,
        node_types=NODE_TYPES,
        window_spend_usd=10.0,
    )

    # then it is not measurable, for the reason its runs give (a shared cluster's first)
    assert isinstance(found, UnmeasuredUtilization)
    assert found.reason is reason
    assert found.message
    assert found.findings == ()


def test_a_job_without_runs_has_no_data() -> None:
    found = assess(
        1,
        Window.LAST_7_DAYS,
        None,
        None,
        thresholds=THRESHOLDS,
        node_types={},
        window_spend_usd=0.0,
    )
    assert isinstance(found, UnmeasuredUtilization)
    assert (found.reason, found.runs) == (UnmeasurableReason.NO_DATA, 0)


def test_a_shared_cluster_job_is_unmeasurable_yet_listed_for_its_saving() -> None:
    # given a job that ran only on an all-purpose cluster, cheaper on job compute
    shared_only = facts(
        shared_cluster_runs=5, runs_observed=0, minutes_observed=0, cluster=None, load=None
    )
    use = SharedClusterUse(1, ("ap",), 10.0, all_purpose_usd=30.0, job_compute_usd=10.0)

    # when assessed
    found = assess(
        1,
        Window.LAST_30_DAYS,
        shared_only,
        use,
        thresholds=THRESHOLDS,
        node_types=NODE_TYPES,
        window_spend_usd=0.0,
    )

    # then unmeasurable for its shared cluster, with the job-compute finding and its saving
    assert isinstance(found, UnmeasuredUtilization)
    assert found.reason is UnmeasurableReason.SHARED_CLUSTER
    assert [finding.kind for finding in found.findings] == [FindingKind.CHEAPER_ON_JOB_COMPUTE]
    assert found.estimated_monthly_saving_usd == pytest.approx(20.0)
    assert lists_as_over_provisioned(found)


def test_a_measured_job_gathers_its_findings_and_adds_up_their_savings() -> None:
    # given an idle job that also ran some runs on an all-purpose cluster
    use = SharedClusterUse(1, ("ap",), 10.0, all_purpose_usd=30.0, job_compute_usd=10.0)
    found = assess(
        1,
        Window.LAST_30_DAYS,
        facts(shared_cluster_runs=1),
        use,
        thresholds=THRESHOLDS,
        node_types=NODE_TYPES,
        window_spend_usd=360.0,
    )

    # then both findings, over-provisioned first, and the savings added up
    assert isinstance(found, MeasuredUtilization)
    assert found.over_provisioned
    assert [finding.kind for finding in found.findings] == [
        FindingKind.OVER_PROVISIONED,
        FindingKind.CHEAPER_ON_JOB_COMPUTE,
    ]
    assert found.estimated_monthly_saving_usd == pytest.approx(200.0 + 20.0)


def test_a_busy_measured_job_is_not_listed() -> None:
    found = assess(
        1,
        Window.LAST_30_DAYS,
        facts(underused_minutes=5),
        None,
        thresholds=THRESHOLDS,
        node_types=NODE_TYPES,
        window_spend_usd=360.0,
    )
    assert isinstance(found, MeasuredUtilization)
    assert not found.over_provisioned
    assert not lists_as_over_provisioned(found)


def test_a_window_amount_per_month_is_at_its_pace_over_30_days() -> None:
    assert per_month(10.0, Window.LAST_24_HOURS) == pytest.approx(300.0)
    assert per_month(90.0, Window.LAST_90_DAYS) == pytest.approx(30.0)
