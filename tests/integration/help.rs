//! `--help` teaches (issue 18, points 4 and 7): every command's help ends with EXAMPLES and an
//! EXIT CODES table, and so does the top-level help (EXIT CODES).

use crate::util::{Dir, etcdpki};

/// The commands, from the top-level help's command list (so a new one is covered at once).
fn commands(dir: &Dir) -> Vec<String> {
    let help = String::from_utf8(dir.ok(&["--help"], b"")).expect("utf-8");
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands: section");
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_help_has_examples_and_an_exit_code_table() {
    let dir = Dir::new();
    let top = String::from_utf8(dir.ok(&["--help"], b"")).expect("utf-8");
    assert!(top.contains("\nEXIT CODES:\n  0  success"), "{top}");
    let commands = commands(&dir);
    assert!(commands.len() >= 15, "{commands:?}");
    for command in commands {
        let out = dir.run(&etcdpki(), &[&command, "--help"], b"");
        assert!(out.status.success(), "{command} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        for section in ["EXAMPLES:\n", "EXIT CODES:\n  0  "] {
            assert!(
                help.contains(section),
                "{command} --help has no {section:?}:\n{help}"
            );
        }
    }
}
