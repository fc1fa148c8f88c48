//! Go `flag` syntax on top of clap, so cfssl command lines work unchanged (Go package `flag`,
//! "Command line flag syntax"; cfssl 1.6.5 cli/cli.go `Start` parses with one `flag.FlagSet`).
//!
//! Takes a subcommand's clap definition and its raw arguments; returns arguments clap
//! understands. Go accepts `-name`, `--name`, `-name=value` and `-name value`; a bool flag takes
//! a value only after `=` (`-initca=false`); parsing stops at the first non-flag argument, so
//! everything after it is positional (`--` is inserted to tell clap so).

use std::ffi::OsString;

use clap::{ArgAction, Command};

/// A command line Go's `flag` package would reject; exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct FlagError(pub String);

/// Rewrites `args` (without the program and subcommand names) for `cmd`.
pub fn normalize(cmd: &Command, args: &[OsString]) -> Result<Vec<OsString>, FlagError> {
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str() else {
            out.push("--".into());
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        };
        if text == "--" {
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        }
        if text == "-" || !text.starts_with('-') {
            reject_late_flags(cmd, text, rest.as_slice())?;
            out.push("--".into());
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        }
        let body = text.strip_prefix("--").unwrap_or(&text[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(FlagError(format!("bad flag syntax: {text}")));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if name == "h" || name == "help" {
            out.push("--help".into());
            continue;
        }
        let Some(def) = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(name) && !a.is_positional())
        else {
            return Err(FlagError(undefined(cmd, text, name)));
        };
        if matches!(def.get_action(), ArgAction::SetTrue) {
            let on = match inline {
                None => true,
                Some(v) => parse_go_bool(v).ok_or_else(|| {
                    FlagError(format!(
                        "invalid boolean value {v:?} for -{name}: parse error"
                    ))
                })?,
            };
            if on {
                out.push(format!("--{name}").into());
            }
            continue;
        }
        let value = match inline {
            Some(v) => v.to_owned(),
            None => match rest.next() {
                Some(v) => v.to_string_lossy().into_owned(),
                None => return Err(FlagError(format!("flag needs an argument: -{name}"))),
            },
        };
        out.push(format!("--{name}={value}").into());
    }
    Ok(out)
}

/// [`normalize`] for a command whose first argument is a verb (`rotate-ca STEP [FLAGS] PATH...`):
/// the verb stays the first positional and the flags may follow it, up to the first path.
pub fn normalize_after_verb(cmd: &Command, args: &[OsString]) -> Result<Vec<OsString>, FlagError> {
    let Some((verb, rest)) = args
        .split_first()
        .filter(|(v, _)| v.to_str().is_some_and(|t| !t.starts_with('-')))
    else {
        return normalize(cmd, args);
    };
    let mut out = normalize(cmd, rest)?;
    match out.iter().position(|a| a == "--") {
        Some(i) => out.insert(i + 1, verb.clone()),
        None => out.extend(["--".into(), verb.clone()]),
    }
    Ok(out)
}

/// Go's message for an undefined flag (scripts match its first line), and the closest defined
/// flag when one is close enough to be a typo, spelled with the dashes the user wrote.
fn undefined(cmd: &Command, written: &str, name: &str) -> String {
    let message = format!("flag provided but not defined: -{name}");
    let longs = cmd
        .get_arguments()
        .filter(|a| !a.is_positional())
        .filter_map(|a| a.get_long());
    match etcdpki::diag::closest(name, longs) {
        Some(near) => {
            let dashes = if written.starts_with("--") { "--" } else { "-" };
            format!("{message}\n  help: did you mean `{dashes}{near}`?")
        }
        None => message,
    }
}

/// A known flag after the first argument is almost always a mistake: Go (and so cfssl) would
/// take it as another argument, so say that instead of clap's "unexpected argument".
fn reject_late_flags(cmd: &Command, first: &str, rest: &[OsString]) -> Result<(), FlagError> {
    for arg in rest.iter().filter_map(|a| a.to_str()) {
        let name = arg
            .trim_start_matches('-')
            .split('=')
            .next()
            .unwrap_or_default();
        let is_flag = arg.starts_with('-')
            && arg != "-"
            && cmd
                .get_arguments()
                .any(|a| a.get_long() == Some(name) && !a.is_positional());
        if is_flag {
            return Err(FlagError(format!(
                "flag {arg} comes after the argument {first:?}; put flags first (Go flag parsing, like cfssl's, stops at the first argument)"
            )));
        }
    }
    Ok(())
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Arg;

    fn cmd() -> Command {
        Command::new("gencert")
            .arg(Arg::new("initca").long("initca").action(ArgAction::SetTrue))
            .arg(Arg::new("ca").long("ca"))
            .arg(Arg::new("ca-key").long("ca-key"))
            .arg(Arg::new("csr").num_args(0..))
    }

    fn norm(args: &[&str]) -> Result<Vec<String>, FlagError> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        normalize(&cmd(), &args).map(|v| {
            v.into_iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect()
        })
    }

    #[test]
    fn accepts_every_go_spelling() {
        assert_eq!(
            norm(&["-ca=ca.pem", "--ca-key", "k.pem", "-initca", "csr.json"]).expect("ok"),
            [
                "--ca=ca.pem",
                "--ca-key=k.pem",
                "--initca",
                "--",
                "csr.json"
            ]
        );
        assert_eq!(norm(&["-initca=false", "-"]).expect("ok"), ["--", "-"]);
        assert_eq!(
            norm(&["-ca", "-weird-name.pem", "x"]).expect("ok"),
            ["--ca=-weird-name.pem", "--", "x"]
        );
    }

    #[test]
    fn a_verb_may_come_before_the_flags() {
        let cmd = Command::new("t")
            .arg(clap::Arg::new("ca").long("ca"))
            .arg(
                clap::Arg::new("force")
                    .long("force")
                    .action(ArgAction::SetTrue),
            )
            .arg(clap::Arg::new("rest").num_args(0..));
        let args: Vec<OsString> = ["status", "-ca", "c.pem", "--force", "pki"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(
            normalize_after_verb(&cmd, &args).expect("ok"),
            ["--ca=c.pem", "--force", "--", "status", "pki"]
        );
        let only: Vec<OsString> = vec!["status".into()];
        assert_eq!(
            normalize_after_verb(&cmd, &only).expect("ok"),
            ["--", "status"]
        );
    }

    #[test]
    fn stops_at_the_first_positional_like_go() {
        assert_eq!(
            norm(&["-initca", "csr.json", "-x", "5"]).expect("ok"),
            ["--initca", "--", "csr.json", "-x", "5"]
        );
        let e = norm(&["csr.json", "-initca"]).expect_err("late flag");
        assert!(
            e.0.starts_with("flag -initca comes after the argument \"csr.json\""),
            "{}",
            e.0
        );
    }

    #[test]
    fn reports_go_flag_errors() {
        assert_eq!(
            norm(&["-nope"]),
            Err(FlagError("flag provided but not defined: -nope".into()))
        );
        assert_eq!(
            norm(&["-ca-kee=k.pem"]),
            Err(FlagError(
                "flag provided but not defined: -ca-kee\n  help: did you mean `-ca-key`?".into()
            ))
        );
        assert_eq!(
            norm(&["--initcaa"]),
            Err(FlagError(
                "flag provided but not defined: -initcaa\n  help: did you mean `--initca`?".into()
            ))
        );
        assert_eq!(
            norm(&["-ca"]),
            Err(FlagError("flag needs an argument: -ca".into()))
        );
        assert!(norm(&["-initca=maybe"]).is_err());
        assert!(norm(&["---x"]).is_err());
    }
}
