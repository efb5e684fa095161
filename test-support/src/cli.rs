//! The command-line tools' `--help`: one walk over a clap command tree, shared by the tests of every binary.

/// Runs clap's own consistency checks on `cmd`, then lists every argument and subcommand (below `cmd`, named by
/// their path from `name`) that a person sees in `--help` without a description. Empty when all are described.
pub fn undescribed(cmd: &clap::Command, name: &str) -> Vec<String> {
    cmd.clone().debug_assert();
    let mut missing = Vec::new();
    walk(cmd, name, &mut missing);
    missing
}

fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {}", arg.get_id()));
        }
    }
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set() && c.get_name() != "help") {
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            out.push(format!("{path} {}", sub.get_name()));
        }
        walk(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[cfg(test)]
mod tests {
    use super::undescribed;

    #[test]
    fn an_argument_or_subcommand_without_help_is_named() {
        let cmd = clap::Command::new("tool")
            .arg(clap::Arg::new("quiet").long("quiet").help("No progress."))
            .arg(clap::Arg::new("out").long("out"))
            .subcommand(clap::Command::new("run").about("Runs.").arg(clap::Arg::new("fast").long("fast")))
            .subcommand(clap::Command::new("stop"));
        assert_eq!(undescribed(&cmd, "tool"), ["tool out", "tool run fast", "tool stop"]);
    }
}
