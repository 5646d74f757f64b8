//! The `jirabridge` command: everything happens in the library.

fn main() -> std::process::ExitCode {
    jirabridge::cli::main()
}
