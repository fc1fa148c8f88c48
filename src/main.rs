//! The `etcdpki` binary (also `cfssl`, `cfssljson` through links): see `cli`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
