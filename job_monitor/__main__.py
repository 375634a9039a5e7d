from job_monitor.cli import main

raise SystemExit(main())
