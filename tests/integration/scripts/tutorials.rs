//! The blog tutorials of tests/testdata/tutorials (etcd guides operators follow), run with the
//! real cfssl and with etcdpki behind its names, compared file by file.

use super::{Script, both};

fn tutorial(name: &str) {
    let dir = format!(
        "{}/tests/testdata/tutorials/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).ok();
    let text = read("commands.sh").expect("commands.sh");
    // tutorial-a does not show its CA request; any cfssl request works.
    let ca_csr = read("ca-csr.json").unwrap_or_else(|| {
        r#"{"CN": "etcd-ca", "key": {"algo": "rsa", "size": 2048}, "names": [{"C": "CN", "O": "etcd"}]}"#
            .to_owned()
    });
    let config = read("ca-config.json").expect("ca-config.json");
    let request = read("etcd-csr.json").expect("etcd-csr.json");
    let inputs = [
        ("ca-csr.json", ca_csr.as_str()),
        ("ca-config.json", config.as_str()),
        ("etcd-csr.json", request.as_str()),
    ];
    let script = Script {
        shell: "sh",
        file: "commands.sh",
        text: &text,
        args: &[],
        inputs: &inputs,
    };
    both(name, &script, &super::same);
}

#[test]
fn tutorial_a_runs_as_with_cfssl() {
    tutorial("tutorial-a");
}

#[test]
fn tutorial_b_runs_as_with_cfssl() {
    tutorial("tutorial-b");
}
