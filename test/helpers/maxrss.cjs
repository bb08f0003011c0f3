// Preloaded into a child mptrace (node -r): reports its peak resident memory on exit.
process.on('exit', () => process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\n`));
