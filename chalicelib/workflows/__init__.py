"""What happens after the HTTP response (DESIGN.md "Work after the response")."""
