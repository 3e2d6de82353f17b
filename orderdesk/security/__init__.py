"""Security pieces shared by the whole site: login throttling, input guards, headers, sessions."""
