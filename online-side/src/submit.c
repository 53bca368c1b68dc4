/* online-side library: submit (filled in by the CLI work) */
typedef int ferry_online_placeholder;
