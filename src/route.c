/* placeholder: route */
