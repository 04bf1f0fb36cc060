// PM2 process file for the DigitalOcean droplet:  pm2 start ecosystem.config.js && pm2 save
// Python runs in fork mode with the venv's interpreter (PM2's cluster mode ignores `interpreter`); gunicorn
// scales itself with WEB_CONCURRENCY. One qcluster process per machine (it forks Q_WORKERS workers);
// kill_timeout stays above Q_TIMEOUT so a stop lets a running task finish.
const cwd = __dirname;
const python = `${cwd}/.venv/bin/python`;

module.exports = {
  apps: [
    {
      name: "integration-web",
      cwd,
      script: `${cwd}/.venv/bin/gunicorn`,
      args: "-c gunicorn.conf.py integration_server.wsgi",
      interpreter: python,
      exec_mode: "fork",
      env: { BIND: "127.0.0.1:8000", WEB_CONCURRENCY: "3" },
      kill_timeout: 30000,
      max_memory_restart: "600M",
      merge_logs: true,
      time: false,
    },
    {
      name: "integration-worker",
      cwd,
      script: "manage.py",
      args: "qcluster",
      interpreter: python,
      exec_mode: "fork",
      instances: 1,
      kill_timeout: 120000,
      max_memory_restart: "1G",
      merge_logs: true,
      time: false,
    },
  ],
};
