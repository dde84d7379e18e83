"""Layout and figure builders shared by the portal's pages (pure: data in, components or figures out), and ids."""
