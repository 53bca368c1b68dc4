/* offline-side library: export/import/status (filled in by the CLI work) */
typedef int ferry_offline_placeholder;
