from job_monitor.cli import main

main()
