//! `validate` against the budget in design.md: under 20 µs a draft.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    Catalog, ClusterType, Context, Field, ListedCluster, Listing, RestoreDraft, build_body, validate,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const NOW_MS: i64 = 1_795_867_200_000;

fn typical() -> RestoreDraft {
    RestoreDraft::new()
        .with(Field::SnapshotId, "5a6669d9fcc178211a0d86b9")
        .with(Field::MethodName, "HTTP")
        .with(Field::ExpirationHours, "48")
        .with(Field::MaxDownloads, "2")
}

/// Every field set, most of them wrong: every rule runs and most of them report.
fn worst_case() -> RestoreDraft {
    RestoreDraft::new()
        .with(Field::SnapshotId, "5A6669D9FCC178211A0D86B9")
        .with(Field::CheckpointId, "5a6669d9fcc178211a0d86ba")
        .with(Field::OplogTs, "2026-11-28T11:00Z")
        .with(Field::OplogInc, "0")
        .with(Field::PointInTimeUtcMillis, "1795863600")
        .with(Field::MethodName, "HTTP")
        .with(Field::ExpirationHours, "1.5")
        .with(Field::MaxDownloads, "2147483648")
        .with(Field::TargetGroupId, "5a66666887d9d61443b41645")
        .with(Field::TargetClusterName, "-Cluster0")
        .with(Field::TargetClusterId, "5a66689487d9d61443b46149")
}

fn bench(c: &mut Criterion) {
    let ctx = Context {
        source_cluster_type: Some(ClusterType::Sharded),
        source_group_id: Some("5a66666887d9d61443b41645".into()),
        source_cluster_name: Some("Cluster0".into()),
        ..Context::at(NOW_MS)
    };
    let (typical, worst) = (typical(), worst_case());
    c.bench_function("validate typical draft", |b| {
        b.iter(|| validate(black_box(&typical), black_box(&ctx)));
    });
    c.bench_function("validate worst-case draft", |b| {
        b.iter(|| validate(black_box(&worst), black_box(&ctx)));
    });
    // The dashboard's keystroke: the catalog (a year of daily snapshots, 50 target clusters)
    // copied into the context, then every rule with the lists. The snapshot is the last one.
    let catalog = Catalog {
        snapshots: Listing::Known((0..365).map(|i| format!("5a6669d9fcc178211a0d{i:04x}")).collect()),
        checkpoints: Listing::NotAsked,
        target_clusters: Listing::Known(
            (0..50)
                .map(|i| ListedCluster {
                    name: format!("Staging{i}"),
                    id: Some(format!("5a66689487d9d61443b4{i:04x}")),
                    cluster_type: Some(ClusterType::ReplicaSet),
                })
                .collect(),
        ),
    };
    let automated = RestoreDraft::new()
        .with(Field::SnapshotId, "5a6669d9fcc178211a0d016c")
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, "5a66666887d9d61443b41645")
        .with(Field::TargetClusterName, "Staging49");
    let replica = Context {
        source_cluster_type: Some(ClusterType::ReplicaSet),
        ..ctx.clone()
    };
    c.bench_function("validate against the lists (catalog copied in)", |b| {
        b.iter(|| {
            let ctx = Context {
                catalog: catalog.clone(),
                ..replica.clone()
            };
            validate(black_box(&automated), black_box(&ctx))
        });
    });
    c.bench_function("build body typical draft", |b| {
        b.iter(|| build_body(black_box(&typical), black_box(&ctx)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
