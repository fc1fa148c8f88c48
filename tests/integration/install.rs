//! `completion` and `man` (issue 18, point 8): the bash script is loaded and driven in a real
//! bash, and the manual pages are rendered by man-db's `man -l` with groff's warnings on.

use std::process::Command;

use crate::util::{Dir, etcdpki, require};

/// Runs `script` in a real bash with the binary's path in `$ETCDPKI`, returning stdout.
fn bash(script: &str) -> String {
    let bash = require("bash", "bash");
    let out = Command::new(bash)
        .arg("-c")
        .arg(script)
        .env("ETCDPKI", etcdpki())
        .output()
        .expect("run bash");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "bash failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    let registered = bash(r#"source <("$ETCDPKI" completion bash); complete -p etcdpki"#);
    assert!(
        registered.contains("-F _etcdpki etcdpki"),
        "not registered: {registered}"
    );
    let commands = bash(
        r#"source <("$ETCDPKI" completion bash)
COMP_WORDS=(etcdpki gen); COMP_CWORD=1; _etcdpki etcdpki gen etcdpki; echo "${COMPREPLY[@]}""#,
    );
    assert_eq!(commands.trim(), "gencert gencrl gencsr genkey");
    let flags = bash(
        r#"source <("$ETCDPKI" completion bash)
COMP_WORDS=(etcdpki gencert --ca-); COMP_CWORD=2; _etcdpki etcdpki --ca- gencert; echo "${COMPREPLY[@]}""#,
    );
    assert_eq!(flags.trim(), "--ca-key");
}

#[test]
fn zsh_and_fish_completions_name_the_binary() {
    let dir = Dir::new();
    let zsh = String::from_utf8(dir.ok(&["completion", "zsh"], b"")).expect("utf-8");
    assert!(zsh.starts_with("#compdef etcdpki"), "{zsh}");
    let fish = String::from_utf8(dir.ok(&["completion", "fish"], b"")).expect("utf-8");
    assert!(fish.contains("complete -c etcdpki"), "{fish}");
}

#[test]
fn completion_refuses_an_unknown_shell_with_exit_2() {
    let dir = Dir::new();
    let out = dir.run(&etcdpki(), &["completion", "tcsh"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'tcsh'") && stderr.contains("zsh"),
        "{stderr}"
    );
}

/// Renders `page` with `man -l` and groff's warnings, returning the text.
fn render(dir: &Dir, page: &[u8]) -> String {
    let man = require("man", "man-db");
    std::fs::write(dir.join("page.1"), page).expect("write page");
    let out = Command::new(man)
        .args(["--warnings", "-l"])
        .arg(dir.join("page.1"))
        .env("MANWIDTH", "100")
        .output()
        .expect("run man");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "man -l failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn man_pages_render_with_man_l_without_warnings() {
    let dir = Dir::new();
    let top = render(&dir, &dir.ok(&["man"], b""));
    for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS", "gencert"] {
        assert!(top.contains(section), "no {section} in:\n{top}");
    }
    let gencert = render(&dir, &dir.ok(&["man", "gencert"], b""));
    for text in ["etcdpki-gencert", "-ca-key", "EXAMPLES:", "EXIT CODES:"] {
        assert!(gencert.contains(text), "no {text} in:\n{gencert}");
    }
    let out = dir.run(&etcdpki(), &["man", "gencerts"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown command \"gencerts\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
