//! Issue 17, point 7: `etcdpki rotate-ca` on a live 3-member etcd 3.4.23 (127.0.0.1–3, client
//! and peer certificate auth, members started from YAML configurations and restarted by
//! `--restart-cmd`), with a writer putting keys through all three endpoints and a quorum
//! watcher for the whole rotation. The harness is in `live_etcd.rs`.

use crate::live_etcd::{LiveCluster, PkiShape, QuorumWatcher, Writer, assert_writes_and_quorum};

/// The harness itself: the cluster comes up from each PKI shape, and the writer and the
/// watcher see every write acknowledged and quorum kept while the restart script restarts
/// each member in turn (as `--restart-cmd` would), every key reading back at the end.
#[test]
fn the_live_cluster_keeps_quorum_and_every_write_across_a_rolling_restart() {
    for shape in [PkiShape::Cluster, PkiShape::CfsslScript] {
        let cluster = LiveCluster::start(shape);
        let writer = Writer::start(&cluster.client);
        let watcher = QuorumWatcher::start(&cluster.client);
        let pids: Vec<Option<u32>> = cluster.members.iter().map(|m| cluster.pid(m)).collect();
        for m in &cluster.members {
            cluster.restart(m);
        }
        let new_pids: Vec<Option<u32>> = cluster.members.iter().map(|m| cluster.pid(m)).collect();
        for (old, new) in pids.iter().zip(&new_pids) {
            assert!(
                old.is_some() && new.is_some() && old != new,
                "{shape:?}: {pids:?} → {new_pids:?}"
            );
            assert!(
                !crate::live_etcd::alive(old.expect("pid")),
                "the old member exited"
            );
        }
        let writes = writer.stop();
        let watch = watcher.stop();
        assert_writes_and_quorum(&cluster, &writes, &watch, 3);
        cluster.assert_lint_clean(&format!("{shape:?}, before any rotation"));
        let pids = new_pids;
        drop(cluster);
        for pid in pids.into_iter().flatten() {
            assert!(
                !crate::live_etcd::alive(pid),
                "{shape:?}: member {pid} stopped at the end"
            );
        }
    }
}
