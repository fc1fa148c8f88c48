//! CLI transcripts: `tests/cmd/*.toml` with the expected stdout/stderr beside them. They pin
//! every usage error and every config/request error message. Refresh with TRYCMD=overwrite
//! and review the diff.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .register_bin(
            "etcdpki",
            std::path::Path::new(env!("CARGO_BIN_EXE_etcdpki")),
        )
        .case("tests/cmd/*.toml");
}
